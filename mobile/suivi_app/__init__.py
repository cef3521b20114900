"""Suivi patient app (Kivy)."""
