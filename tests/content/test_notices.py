"""The information notices patients read before consenting: valid against their schema,
in French and English, one file per version, and a published version never changes
(consents name the version the patient read)."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from backend.consents import notices
from questionnaires import CONTENT_DIR

NOTICES = sorted((CONTENT_DIR / "notices").glob("*.yaml"))
SCHEMA = json.loads((CONTENT_DIR / "schemas" / "notice.schema.json").read_text())
STORED = {
    "telesurveillance.v1.yaml":
        "bd3e52a9887931045b03e90ab4ee14abeff3e38631be998a89e1b854e45e6881",
}


@pytest.mark.parametrize("path", NOTICES, ids=lambda p: p.name)
def test_a_notice_is_valid_and_named_after_its_version(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
              for e in Draft202012Validator(SCHEMA).iter_errors(raw)]
    assert not errors, f"{path.name}: {errors}"
    assert path.name == f"{raw['kind']}.v{raw['version']}.yaml"


def test_the_current_notice_is_the_latest_and_speaks_of_the_patients_rights():
    current = notices.current("telesurveillance")
    assert current.version == max(v for k, v in notices.notices() if k == "telesurveillance")
    for needle in ("R1112-7", "CNIL", "15"):
        assert needle in current.text["fr"] and needle in current.text["en"]


def test_published_notices_never_change():
    for name, digest in STORED.items():
        text = (CONTENT_DIR / "notices" / name).read_bytes()
        assert hashlib.sha256(text).hexdigest() == digest, (
            f"{name} was published: write a new version instead of changing it")
