"""Suivi backend: the Flask application and its feature packages."""
