"""Suivi content: questionnaire and protocol definitions (YAML) and their JSON Schemas."""

from pathlib import Path

CONTENT_DIR = Path(__file__).parent
