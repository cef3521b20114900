"""Staff sign-in: password, TOTP second factor, back-off, lockout, token lifetime."""

from __future__ import annotations

import uuid

import pyotp
import pytest

from backend.auth.models import StaffUser
from tests.helpers import PASSWORD, Caller, audit_events

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def anonymous(app):
    return Caller(app)


def _login(anonymous, email, password=PASSWORD):
    return anonymous.post(LOGIN, json={"email": email, "password": password})


def test_login_without_second_factor_cannot_reach_patient_data(world, anonymous):
    nurse = world.staff("nurse", enrol_mfa=False)
    response = _login(anonymous, nurse.info["email"])
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["mfa_enrolment_required"] is True
    caller = Caller(world.app, body["access_token"])
    refused = caller.get("/api/v1/patients")
    assert refused.status_code == 403
    assert "second factor" in refused.json["message"]
    assert caller.get("/api/v1/auth/me").status_code == 200


def test_totp_enrolment_then_two_step_login(world, anonymous, clock):
    nurse = world.staff("nurse", enrol_mfa=True)
    secret = nurse.info["totp_secret"]
    clock.advance(seconds=60)
    first = _login(anonymous, nurse.info["email"])
    assert first.status_code == 200
    assert first.json == {"mfa_required": True, "mfa_token": first.json["mfa_token"]}
    wrong = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": first.json["mfa_token"],
                                                     "code": "000000"})
    assert wrong.status_code == 401
    code = pyotp.TOTP(secret).at(clock.now())
    ok = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": first.json["mfa_token"],
                                                  "code": code})
    assert ok.status_code == 200, ok.json
    assert Caller(world.app, ok.json["access_token"]).get("/api/v1/patients").status_code == 200
    # The same code cannot be used twice (replay), even within its 30 s window.
    again = _login(anonymous, nurse.info["email"])
    replay = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": again.json["mfa_token"],
                                                      "code": code})
    assert replay.status_code == 401


def test_enrolment_returns_a_qr_code_and_refuses_a_wrong_first_code(world):
    nurse = world.staff("nurse", enrol_mfa=False)
    started = nurse.post("/api/v1/auth/totp",
                         json={"mfa_enrolment_code": nurse.info["mfa_enrolment_code"]})
    assert started.status_code == 201
    assert started.json["otpauth_uri"].startswith("otpauth://totp/Suivi:")
    assert started.json["qr_svg"].startswith("data:image/svg+xml")
    wrong = nurse.post("/api/v1/auth/totp/confirm", json={"code": "123456"})
    assert wrong.status_code == 422
    assert "code" in wrong.json["errors"]["json"]
    assert nurse.get("/api/v1/patients").status_code == 403


def test_the_password_alone_does_not_enrol_a_second_factor(world, app, clock):
    """Whoever has the password but not the code the administrator handed over cannot
    make the account's second factor their own."""
    nurse = world.staff("nurse", enrol_mfa=False)
    missing = nurse.post("/api/v1/auth/totp")
    assert missing.status_code == 422
    assert "mfa_enrolment_code" in missing.json["errors"]["json"]
    wrong = nurse.post("/api/v1/auth/totp", json={"mfa_enrolment_code": "AAAAA-BBBBB"})
    assert wrong.status_code == 422
    assert "mfa_enrolment_code" in wrong.json["errors"]["json"]
    assert audit_events(app, action="auth.totp_enrolment", outcome="failure")
    assert nurse.get("/api/v1/patients").status_code == 403
    code = nurse.info["mfa_enrolment_code"]
    secret = nurse.post("/api/v1/auth/totp", json={"mfa_enrolment_code": code}).json["secret"]
    confirmed = nurse.post("/api/v1/auth/totp/confirm",
                           json={"code": pyotp.TOTP(secret).at(clock.now())})
    assert confirmed.status_code == 200
    # Spent: the code enrols once.
    again = nurse.post("/api/v1/auth/totp", json={"mfa_enrolment_code": code})
    assert again.status_code == 409


def test_wrong_enrolment_codes_back_off_like_wrong_passwords(world):
    nurse = world.staff("nurse", enrol_mfa=False)
    for _ in range(3):
        wrong = nurse.post("/api/v1/auth/totp", json={"mfa_enrolment_code": "AAAAA-BBBBB"})
        assert wrong.status_code == 422
    refused = nurse.post("/api/v1/auth/totp",
                         json={"mfa_enrolment_code": nurse.info["mfa_enrolment_code"]})
    assert refused.status_code == 429
    assert "retry in" in refused.json["message"]


def test_wrong_first_codes_back_off_and_lock_like_wrong_passwords(world, clock):
    """The pending secret of an enrolment waits for days: someone holding the password
    alone must not be able to try every six-digit code against it."""
    nurse = world.staff("nurse", enrol_mfa=False)
    secret = nurse.post("/api/v1/auth/totp", json={
        "mfa_enrolment_code": nurse.info["mfa_enrolment_code"]}).json["secret"]
    right = pyotp.TOTP(secret)
    wrong = f"{(int(right.at(clock.now())) + 1) % 1_000_000:06d}"
    for _ in range(3):
        refused = nurse.post("/api/v1/auth/totp/confirm", json={"code": wrong})
        assert refused.status_code == 422
    waiting = nurse.post("/api/v1/auth/totp/confirm", json={"code": right.at(clock.now())})
    assert waiting.status_code == 429
    assert "retry in" in waiting.json["message"]
    for _ in range(7):  # each after its back-off: the tenth failure locks the account
        clock.advance(seconds=61)
        assert nurse.post("/api/v1/auth/totp/confirm",
                          json={"code": wrong}).status_code == 422
    clock.advance(seconds=61)
    locked = nurse.post("/api/v1/auth/totp/confirm", json={"code": right.at(clock.now())})
    assert locked.status_code == 429
    assert "locked" in locked.json["message"]
    clock.advance(minutes=16)
    nurse = world.renew(nurse)  # her session idled out meanwhile
    confirmed = nurse.post("/api/v1/auth/totp/confirm", json={"code": right.at(clock.now())})
    assert confirmed.status_code == 200, confirmed.json


def test_an_enrolment_code_expires_and_a_reset_gives_a_new_one(world, clock):
    nurse = world.staff("nurse", enrol_mfa=False)
    clock.advance(hours=72, seconds=1)
    nurse = world.renew(nurse)
    expired = nurse.post("/api/v1/auth/totp",
                         json={"mfa_enrolment_code": nurse.info["mfa_enrolment_code"]})
    assert expired.status_code == 422
    assert "expired" in expired.json["errors"]["json"]["mfa_enrolment_code"][0]
    reset = world.renew(world.admin()).post(f"/api/v1/staff/{nurse.id}/reset-mfa")
    assert reset.status_code == 200
    nurse = world.renew(nurse)
    started = nurse.post("/api/v1/auth/totp",
                         json={"mfa_enrolment_code": reset.json["mfa_enrolment_code"]})
    assert started.status_code == 201


def test_an_enrolment_started_cannot_be_confirmed_after_its_code_expired(world, clock):
    nurse = world.staff("nurse", enrol_mfa=False)
    secret = nurse.post("/api/v1/auth/totp", json={
        "mfa_enrolment_code": nurse.info["mfa_enrolment_code"]}).json["secret"]
    clock.advance(hours=72, seconds=1)
    nurse = world.renew(nurse)
    late = nurse.post("/api/v1/auth/totp/confirm",
                      json={"code": pyotp.TOTP(secret).at(clock.now())})
    assert late.status_code == 409
    assert "enrolment code" in late.json["message"]
    assert nurse.get("/api/v1/patients").status_code == 403


def test_recovery_code_works_once(world, anonymous, clock):
    nurse = world.staff("nurse")
    recovery = nurse.info["recovery_codes"][0]
    for expected in (200, 401):
        clock.advance(seconds=40)
        token = _login(anonymous, nurse.info["email"]).json["mfa_token"]
        response = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token,
                                                            "code": recovery})
        assert response.status_code == expected


def test_an_mfa_token_serves_once(world, anonymous, clock):
    nurse = world.staff("nurse")
    clock.advance(seconds=40)
    token = _login(anonymous, nurse.info["email"]).json["mfa_token"]
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    first = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": code})
    assert first.status_code == 200
    # A second valid factor with the same token (someone who saw it go by) gets nothing.
    again = anonymous.post("/api/v1/auth/mfa", json={
        "mfa_token": token, "code": nurse.info["recovery_codes"][0]})
    assert again.status_code == 401
    assert "expired" in again.json["message"]
    # The recovery code was not spent by the refused attempt.
    clock.advance(seconds=40)
    fresh = _login(anonymous, nurse.info["email"]).json["mfa_token"]
    ok = anonymous.post("/api/v1/auth/mfa", json={
        "mfa_token": fresh, "code": nurse.info["recovery_codes"][0]})
    assert ok.status_code == 200


def test_a_wrong_code_leaves_the_mfa_token_usable(world, anonymous, clock):
    nurse = world.staff("nurse")
    clock.advance(seconds=40)
    token = _login(anonymous, nurse.info["email"]).json["mfa_token"]
    wrong = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": "000000"})
    assert wrong.status_code == 401 and wrong.json["message"] == "Wrong code."
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    assert anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token,
                                                    "code": code}).status_code == 200


def test_expired_mfa_token_is_refused(world, anonymous, clock):
    nurse = world.staff("nurse")
    token = _login(anonymous, nurse.info["email"]).json["mfa_token"]
    clock.advance(minutes=6)
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    response = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": code})
    assert response.status_code == 401
    assert "expired" in response.json["message"]
    forged = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token[:-2], "code": code})
    assert forged.status_code == 401


def test_wrong_password_is_audited_and_backs_off(world, anonymous, clock, app):
    nurse = world.staff("nurse")
    email = nurse.info["email"]
    for _ in range(3):
        assert _login(anonymous, email, "wrong password!").status_code == 401
    # Fourth attempt at once: refused without even checking the password.
    backoff = _login(anonymous, email)
    assert backoff.status_code == 429
    assert "retry in" in backoff.json["message"]
    clock.advance(seconds=2)
    assert _login(anonymous, email).status_code == 200
    failures = audit_events(app, action="auth.login", outcome="failure")
    assert len(failures) == 3
    assert all(str(event.actor_id) == nurse.id for event in failures)


def test_lockout_after_repeated_failures(world, anonymous, clock, app):
    nurse = world.staff("nurse")
    email = nurse.info["email"]
    for _ in range(10):
        clock.advance(seconds=61)
        assert _login(anonymous, email, "wrong password!").status_code == 401
    clock.advance(seconds=61)
    locked = _login(anonymous, email)
    assert locked.status_code == 429
    assert "locked" in locked.json["message"]
    clock.advance(minutes=15)
    assert _login(anonymous, email).status_code == 200


def test_unknown_email_and_wrong_password_look_the_same(world, anonymous):
    nurse = world.staff("nurse")
    unknown = _login(anonymous, "nobody@hospital.test")
    wrong = _login(anonymous, nurse.info["email"], "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json["message"] == wrong.json["message"]


def test_unknown_email_backs_off_and_locks_like_an_account(world, anonymous, clock):
    """The back-off and the lockout do not tell which e-mails have an account."""
    nurse = world.staff("nurse")
    emails = (nurse.info["email"], "nobody@hospital.test")

    def answers(password="wrong password!"):
        return [_login(anonymous, email, password) for email in emails]

    for _ in range(3):
        assert [a.status_code for a in answers()] == [401, 401]
    known, unknown = answers()
    assert known.status_code == unknown.status_code == 429
    assert known.json == unknown.json
    assert known.headers.get("Retry-After") == unknown.headers.get("Retry-After")
    for _ in range(6):
        clock.advance(seconds=61)
        assert [a.status_code for a in answers()] == [401, 401]
    clock.advance(seconds=61)
    known, unknown = answers()  # the tenth failure locks
    assert known.status_code == unknown.status_code == 401
    clock.advance(seconds=61)
    known, unknown = answers(PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert known.json == unknown.json
    assert "locked" in known.json["message"]
    # And a day later both are forgotten alike: three free attempts again.
    clock.advance(days=1, minutes=20)
    for _ in range(3):
        assert [a.status_code for a in answers()] == [401, 401]
    known, unknown = answers()
    assert known.status_code == unknown.status_code == 429


def test_a_busy_address_refuses_only_the_accounts_failing_there(world, anonymous, app, clock):
    """Behind a hospital's proxy every nurse has one address: someone guessing passwords
    there must not lock the others out. Once the address has failed often, only the
    accounts failing from it are refused; a colleague's right password still works."""
    app.config["SUIVI_IP_FAILURE_LIMIT"] = 5
    nurse, colleague, guessed = (world.staff("nurse") for _ in range(3))
    for index in range(5):
        assert _login(anonymous, f"ghost{index}@hospital.test", "wrong password!"
                      ).status_code == 401
    assert _login(anonymous, nurse.info["email"]).status_code == 200
    for _ in range(3):
        assert _login(anonymous, guessed.info["email"], "wrong password!").status_code == 401
    clock.advance(minutes=2)  # past the account's own back-off
    refused = _login(anonymous, guessed.info["email"])
    assert refused.status_code == 429
    assert "address" in refused.json["message"] and int(refused.headers["Retry-After"]) > 0
    # The same account from another address is not refused by this one's failures.
    elsewhere = anonymous.post(LOGIN, json={"email": guessed.info["email"],
                                            "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert elsewhere.status_code == 200
    assert _login(anonymous, colleague.info["email"]).status_code == 200
    clock.advance(minutes=15)  # the next window
    assert _login(anonymous, guessed.info["email"]).status_code == 200


def test_an_address_without_an_account_to_tell_apart_is_refused_whole(world, app):
    """Activation codes are their own secret: guessing them from one address stops it."""
    app.config["SUIVI_IP_FAILURE_LIMIT"] = 3
    phone = Caller(app)
    for _ in range(3):
        assert phone.post("/api/v1/patient/activate", json={
            "activation_code": "AAAAA-BBBBB"}).status_code == 422
    refused = phone.post("/api/v1/patient/activate", json={"activation_code": "CCCCC-DDDDD"})
    assert refused.status_code == 429 and "address" in refused.json["message"]


def test_failures_are_counted_beside_the_trail_not_in_it(world, anonymous, app):
    """The limit does not count rows of the audit trail: anonymous failures beyond the
    first few of a minute are only counted there, and still weigh on the address."""
    app.config["SUIVI_IP_FAILURE_LIMIT"] = 8
    guessed = world.staff("nurse")
    for index in range(8):
        _login(anonymous, f"ghost{index}@hospital.test", "wrong password!")
    assert len(audit_events(app, action="auth.login", outcome="failure")) < 8
    for _ in range(3):
        _login(anonymous, guessed.info["email"], "wrong password!")
    world.clock.advance(minutes=2)
    assert _login(anonymous, guessed.info["email"]).status_code == 429


def test_token_expires_and_slides_while_used(world, clock):
    nurse = world.staff("nurse")
    clock.advance(minutes=10)
    assert nurse.get("/api/v1/patients").status_code == 200  # slides the expiry forward
    clock.advance(minutes=10)
    assert nurse.get("/api/v1/patients").status_code == 200
    clock.advance(minutes=16)
    expired = nurse.get("/api/v1/patients")
    assert expired.status_code == 401
    assert expired.json["message"].startswith("A valid bearer token is required")


def test_logout_revokes_the_token(world):
    nurse = world.staff("nurse")
    assert nurse.post("/api/v1/auth/logout").status_code == 204
    assert nurse.get("/api/v1/auth/me").status_code == 401


def test_login_body_errors_name_the_field(anonymous):
    response = anonymous.post(LOGIN, json={"email": "not-an-email", "password": ""})
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert set(errors) == {"email", "password"}
    assert "email" in response.json["message"]
    unknown_field = anonymous.post(LOGIN, json={"email": "a@b.fr", "password": "x", "role": "x"})
    assert unknown_field.status_code == 422
    assert "role" in unknown_field.json["errors"]["json"]


def test_demo_mode_lets_staff_skip_totp(world, app):
    app.config["SUIVI_DEMO"] = True
    nurse = world.staff("nurse", enrol_mfa=False)
    assert nurse.get("/api/v1/patients").status_code == 200


def test_demo_staff_may_enrol_totp_without_an_enrolment_code(world, app, clock):
    app.config["SUIVI_DEMO"] = True
    nurse = world.staff("nurse", enrol_mfa=False)
    secret = nurse.post("/api/v1/auth/totp").json["secret"]
    confirmed = nurse.post("/api/v1/auth/totp/confirm",
                           json={"code": pyotp.TOTP(secret).at(clock.now())})
    assert confirmed.status_code == 200


def test_passwords_are_stored_as_argon2_hashes(world, app):
    nurse = world.staff("nurse")
    with app.app_context():
        from backend import db

        user = db.session().get(StaffUser, uuid.UUID(nurse.id))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("code", ["²²²²²²", "١٢٣٤٥٦", "１２３４５６"])
def test_a_code_in_other_digits_than_0_to_9_is_a_wrong_code(world, anonymous, clock, code):
    nurse = world.staff("nurse")
    clock.advance(seconds=40)
    token = _login(anonymous, nurse.info["email"]).json["mfa_token"]
    wrong = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": code})
    assert wrong.status_code == 401 and wrong.json["message"] == "Wrong code."
