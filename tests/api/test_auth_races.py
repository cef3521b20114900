"""Two requests presenting the same code or token at the same moment: one gets through.

Each code is checked and spent by one conditional UPDATE; here both requests hold, after
their check and before their commit, until the other has checked too (or for 5 s, when
the other waits on the first's row lock, as it must). PostgreSQL only: SQLite runs one
writing transaction at a time (BEGIN IMMEDIATE), so the race cannot happen there, and a
second use after the first is refused on both (tests/api/test_auth.py).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest

from backend import db
from backend.audit import services as audit_services
from backend.auth import services as auth_services
from backend.auth.models import RecoveryCode, StaffUser
from tests.conftest import is_postgres
from tests.helpers import PASSWORD, Caller, count

pytestmark = pytest.mark.skipif(not is_postgres(),
                                reason="SQLite serialises writing transactions")
HOLD_SECONDS = 5


def _hold(barrier: threading.Barrier) -> None:
    # Broken after HOLD_SECONDS: the other request waits for this one's commit.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(HOLD_SECONDS)


def _together(*calls: Callable[[], object]) -> list:
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def _hold_after(monkeypatch, action: str) -> None:
    """Each request that succeeds at ``action`` holds before its commit until the other
    one gets there too."""
    barrier = threading.Barrier(2)
    record = audit_services.record

    def holding(name, **kwargs):
        record(name, **kwargs)
        if name == action:
            _hold(barrier)

    monkeypatch.setattr(audit_services, "record", holding)


@pytest.fixture
def held_sign_ins(monkeypatch):
    _hold_after(monkeypatch, "auth.login")


def _mfa_token(app, email: str) -> str:
    answer = Caller(app).post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return answer.json["mfa_token"]


def _second_step(app, token: str, code: str):
    return lambda: Caller(app).post("/api/v1/auth/mfa", json={"mfa_token": token, "code": code})


def test_one_totp_code_signs_in_once(world, app, clock, held_sign_ins):
    nurse = world.staff("nurse")
    clock.advance(seconds=31)
    email = nurse.info["email"]
    tokens = [_mfa_token(app, email), _mfa_token(app, email)]
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    answers = _together(*(_second_step(app, token, code) for token in tokens))
    assert sorted(a.status_code for a in answers) == [200, 401]


def test_one_recovery_code_signs_in_once(world, app, clock, held_sign_ins):
    nurse = world.staff("nurse")
    email, recovery = nurse.info["email"], nurse.info["recovery_codes"][0]
    tokens = [_mfa_token(app, email), _mfa_token(app, email)]
    answers = _together(*(_second_step(app, token, recovery) for token in tokens))
    assert sorted(a.status_code for a in answers) == [200, 401]
    assert count(app, RecoveryCode, staff_id=uuid.UUID(nurse.id), used_at=None) == 9


def test_one_mfa_token_signs_in_once(world, app, clock, held_sign_ins):
    nurse = world.staff("nurse")
    clock.advance(seconds=31)
    token = _mfa_token(app, nurse.info["email"])
    totp = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    answers = _together(_second_step(app, token, totp),
                        _second_step(app, token, nurse.info["recovery_codes"][0]))
    assert sorted(a.status_code for a in answers) == [200, 401]


# -- each statement on its own ---------------------------------------------------------
def _checked_together(app, user_id: uuid.UUID, check: Callable[[StaffUser], bool]) -> list:
    """``check`` in two transactions at once, each committing after both checked."""
    barrier = threading.Barrier(2)

    def one() -> bool:
        with app.app_context():
            session = db.session()
            accepted = check(session.get(StaffUser, user_id))
            _hold(barrier)
            session.commit()
            return accepted

    return _together(one, one)


def test_a_totp_step_is_claimed_once(world, app, clock):
    nurse = world.staff("nurse")
    clock.advance(seconds=31)
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    accepted = _checked_together(app, uuid.UUID(nurse.id),
                                 lambda user: auth_services._accept_totp(user, code))
    assert sorted(accepted) == [False, True]


def test_a_recovery_code_is_spent_once(world, app):
    nurse = world.staff("nurse")
    recovery = nurse.info["recovery_codes"][0]
    accepted = _checked_together(app, uuid.UUID(nurse.id),
                                 lambda user: auth_services._accept_recovery_code(user, recovery))
    assert sorted(accepted) == [False, True]


def test_an_enrolment_is_confirmed_once(world, app, clock, monkeypatch):
    nurse = world.staff("nurse", enrol_mfa=False)
    secret = nurse.post("/api/v1/auth/totp", json={
        "mfa_enrolment_code": nurse.info["mfa_enrolment_code"]}).json["secret"]
    code = pyotp.TOTP(secret).at(clock.now())
    _hold_after(monkeypatch, "auth.totp_enrolled")
    confirm = lambda: nurse.post("/api/v1/auth/totp/confirm", json={"code": code})  # noqa: E731
    answers = _together(confirm, confirm)
    assert sorted(a.status_code for a in answers) == [200, 422]
    assert count(app, RecoveryCode, staff_id=uuid.UUID(nurse.id)) == 10
