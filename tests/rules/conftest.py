"""Shared fixtures of the rules tests: the shipped questionnaires, loaded once."""

from datetime import UTC, datetime

import pytest

from rules.loader_questionnaire import load_questionnaires
from rules.model import Questionnaire
from tests.rules.support import build_protocol


@pytest.fixture(scope="session")
def questionnaires() -> dict[str, Questionnaire]:
    return load_questionnaires()[0]


@pytest.fixture(scope="session")
def raw_questionnaires() -> dict[str, dict]:
    """The parsed YAML of each shipped questionnaire (copy before mutating)."""
    return load_questionnaires()[1]


@pytest.fixture
def now() -> datetime:
    return datetime(2024, 3, 31, 8, 0, tzinfo=UTC)


@pytest.fixture
def protocol(questionnaires):
    """Build a test protocol from rule dicts (``schedule=`` and ``extra=`` optional)."""
    return lambda *rules, **kwargs: build_protocol(questionnaires, *rules, **kwargs)
