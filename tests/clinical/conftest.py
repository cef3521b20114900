"""Fixtures of the clinical scenarios: the app of tests/conftest.py, with staff tokens
that outlive a scenario's days (the frozen clock jumps from day to day) and cheap
password hashing (each HTTP scenario signs in two or three staff members; the cost of
argon2 is not what these tests are about)."""

import pytest
from argon2 import PasswordHasher

from backend import security

A_YEAR = 366 * 24 * 3600


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SUIVI_ACCESS_TOKEN_TTL": A_YEAR}


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    monkeypatch.setattr(security, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
