"""FHIR tests: every resource a test receives is validated twice, by ``fhir.resources``
(R4B models: R4's Patient, Observation, Bundle, OperationOutcome and CapabilityStatement
unchanged) at once, and by Medplum's validator (npm, tests/fhir/validator) once per
session over all of them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.helpers import Caller

VALIDATOR = Path(__file__).parent / "validator"
COLLECTED: list[dict[str, Any]] = []


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource``, checked by fhir.resources now and kept for Medplum's check."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    COLLECTED.append(resource)
    return resource


def fhir_get(caller: Caller, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
    """GET a FHIR path: the answer's status, content type and resource checked."""
    response = caller.get(path, headers={"Accept": "application/fhir+json"}, **kwargs)
    return fhir_checked(response, status)


def fhir_checked(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/fhir+json", response.mimetype
    return valid(json.loads(response.get_data(as_text=True)))


@pytest.fixture(scope="session", autouse=True)
def medplum_validates_everything():
    """After the session's tests: Medplum's validator over every resource they received."""
    yield
    if not COLLECTED:
        return
    node = shutil.which("node")
    assert node and (VALIDATOR / "node_modules" / "@medplum" / "core").is_dir(), (
        "the FHIR validator is not installed: (cd tests/fhir/validator && npm ci)")
    done = subprocess.run([node, str(VALIDATOR / "validate.mjs")],  # noqa: S603
                          input=json.dumps(COLLECTED), capture_output=True, text=True,
                          timeout=300, check=True)
    errors = [(resource["resourceType"], resource.get("id"), found) for resource, found
              in zip(COLLECTED, json.loads(done.stdout), strict=True) if found]
    assert not errors, f"Medplum finds invalid resources: {errors[:5]}"
