"""Readings and reading answers in the patient's units: g/L, mg/dL, mmol/L, decimal comma.

French glucose meters show g/L; whatever the unit sent, the value is stored in mmol/L,
and a value that is implausible in the unit given says which unit was probably meant.
"""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend import db
from backend.intake.models import Reading, Submission
from backend.protocols.models import ProtocolVersion
from tests.helpers import count, daily, submit

AT = "2026-11-23T07:30:00+01:00"


@pytest.fixture
def device(world):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse, protocol="heart-failure")  # collects vitals
    return device


def send_readings(device, *readings, key: str | None = None):
    return device.post("/api/v1/me/readings", json={"readings": list(readings)},
                       headers={"Idempotency-Key": key or str(uuid.uuid4())})


def glucose(value, unit=None, **fields):
    reading = {"type": "glucose", "value": value, "measured_at": AT, **fields}
    if unit is not None:
        reading["unit"] = unit
    return reading


def stored(app, type_: str = "glucose") -> list[tuple[str, str]]:
    with app.app_context():
        return [(r.value, r.unit) for r in db.session().scalars(
            select(Reading).where(Reading.type == type_).order_by(Reading.received_at))]


def test_the_vitals_questionnaire_offers_glucose_units(world):
    nurse = world.staff("nurse")
    for caller in (nurse, world.patient_device(nurse, protocol="heart-failure")[1]):
        vitals = caller.get("/api/v1/questionnaires/vitals?lang=fr").json
        assert vitals["version"] == 2
        item = next(i for i in vitals["items"] if i["link_id"] == "glucose")
        assert item["units"] == ["g/L", "mmol/L", "mg/dL"]  # first: shown first
        assert item["unit"] == "mmol/L"  # the unit of a bare number, and of what is stored
        assert next(i for i in vitals["items"] if i["link_id"] == "weight")["units"] == []


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (1.2, "g/L", "6.7"),
    ("1,2", "g/L", "6.7"),  # decimal comma, as typed on a French phone
    ("0,54", "g/l", "3.0"),
    (120, "mg/dL", "6.7"),
    ("120", "mg/dl", "6.7"),
    (6.7, "mmol/L", "6.7"),
    ("6,7", None, "6.7"),  # no unit: the canonical one
    ("1,2", "mmol/L", "1.2"),  # a real severe hypoglycaemia is stored, not refused
])
def test_glucose_readings_in_every_unit_are_stored_in_mmol_per_litre(
        app, device, value, unit, expected):
    response = send_readings(device, glucose(value, unit))
    assert response.status_code == 201, response.json
    assert stored(app) == [(expected, "mmol/L")]


def test_vitals_answers_carry_their_unit(app, device):
    response = submit(device, "vitals", {
        "glucose": {"value": "1,2", "unit": "g/L"},
        "weight": {"value": "72,5", "unit": "kg"},
        "temperature": "37,8",  # a bare number: in the item's unit (Cel)
    })
    assert response.status_code == 201, response.json
    assert stored(app) == [("6.7", "mmol/L")]
    assert stored(app, "weight") == [("72.5", "kg")]
    assert stored(app, "temperature") == [("37.8", "Cel")]
    with app.app_context():
        [row] = db.session().scalars(select(Submission))
        # The answer is kept in the canonical unit too: read again, it means 6.7 mmol/L.
        assert Decimal(str(row.answers["glucose"])) == Decimal("6.7")
        assert row.questionnaire_version == 2


@pytest.mark.parametrize("answer", [{"value": 120, "unit": "mg/dL"}, 6.7,
                                    {"value": 6.7, "unit": "mmol/L"}])
def test_a_glucose_answer_in_mg_dl_or_mmol_l(app, device, answer):
    response = submit(device, "vitals", {"glucose": answer})
    assert response.status_code == 201, response.json
    assert stored(app) == [("6.7", "mmol/L")]


def test_decimal_comma_in_daily_answers(app, world):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    response = submit(device, "daily-postop", daily(temperature="38,6"))
    assert response.status_code == 201, response.json
    assert stored(app, "temperature") == [("38.6", "Cel")]
    assert response.json["alerts_opened"]  # 38.6 °C is a fever for the rules, as 38.6


def test_a_unit_that_is_not_accepted_is_a_422_naming_the_field(app, device):
    reading = send_readings(device, glucose(1.2, "g/dl"))
    assert reading.status_code == 422
    assert reading.json["errors"]["json"]["readings"] == {
        "0": {"unit": ["glucose: unit 'g/dl' is not accepted (use 'mmol/L', 'mmol/l', "
                       "'mg/dL', 'mg/dl', 'g/L', 'g/l')"]}}
    assert reading.json["message"].startswith("readings.0.unit: glucose: unit 'g/dl'")

    answer = submit(device, "vitals", {"glucose": {"value": 1.2, "unit": "g"}})
    assert answer.status_code == 422
    [message] = answer.json["errors"]["json"]["answers"]["glucose"]
    assert message.startswith("glucose: unit 'g' is not accepted")
    assert answer.json["message"].startswith("answers.glucose: glucose: unit 'g'")

    not_text = submit(device, "vitals", {"glucose": {"value": 1.2, "unit": 5}})
    assert not_text.status_code == 422
    assert "not a unit" in not_text.json["errors"]["json"]["answers"]["glucose"][0]
    assert count(app, Reading) == 0 and count(app, Submission) == 0


def test_an_implausible_value_says_which_unit_was_meant(app, device):
    reading = send_readings(device, glucose("0,3", "mmol/L"))
    assert reading.status_code == 422
    assert reading.json["errors"]["json"]["readings"]["0"]["value"] == [
        "glucose 0.3 mmol/L is outside the plausible range 0.5–40 mmol/L; "
        "did you mean 0.3 g/L?"]

    answer = submit(device, "vitals", {"glucose": {"value": 120, "unit": "g/L"}})
    assert answer.status_code == 422
    assert answer.json["errors"]["json"]["answers"]["glucose"] == [
        "glucose: 120 g/L (= 666.1 mmol/L) is outside the plausible range 0.5–40 mmol/L; "
        "did you mean 120 mg/dL?"]

    # Implausible in every accepted unit: no unit is suggested.
    nowhere = send_readings(device, glucose(20000, "mg/dL"))
    assert nowhere.status_code == 422
    assert "did you mean" not in nowhere.json["message"]
    assert count(app, Reading) == 0


def test_the_api_documents_the_reading_answer_with_its_unit(app, world):
    spec = world.staff("nurse").get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    answers = schemas["SubmissionIn"]["properties"]["answers"]
    assert '{"value": 1.2, "unit": "g/L"}' in answers["description"]
    assert answers["example"]["glucose"] == {"value": 1.2, "unit": "g/L"}
    assert "g/L" in schemas["ReadingIn"]["properties"]["unit"]["description"]


def test_a_protocol_loaded_with_vitals_v1_keeps_it_when_vitals_v2_is_loaded(app):
    """`suivi load-content` after the upgrade: the protocol versions already stored keep
    the questionnaires they were published with; only the new vitals version is added."""
    from backend.protocols.services import load_shipped_content
    from backend.questionnaires.models import QuestionnaireVersion

    with app.app_context():
        session = db.session()
        for slug in ("heart-failure", "colorectal-eras"):
            row = session.scalar(select(ProtocolVersion).where(ProtocolVersion.slug == slug))
            definition = copy.deepcopy(row.definition)
            vitals = definition["questionnaires"]["vitals"]
            vitals["version"] = 1
            del next(i for i in vitals["items"] if i["link_id"] == "glucose")["units"]
            row.definition = definition
        old = session.scalar(select(QuestionnaireVersion)
                             .where(QuestionnaireVersion.slug == "vitals"))
        old.version, old.definition = 1, vitals
        session.commit()

        summary = load_shipped_content()
        session.commit()
        assert summary.startswith("1 questionnaire version(s) and 0 protocol version(s)")
        row = session.scalar(select(ProtocolVersion)
                             .where(ProtocolVersion.slug == "heart-failure"))
        assert row.definition["questionnaires"]["vitals"]["version"] == 1
        assert sorted(session.scalars(select(QuestionnaireVersion.version).where(
            QuestionnaireVersion.slug == "vitals"))) == [1, 2]


def test_a_patient_on_a_protocol_with_vitals_v1_can_send_g_per_litre(app, world):
    """The app shows the newest vitals (units to choose) while the patient's protocol
    version may hold vitals v1: the answer {value, unit} is accepted there too."""
    from backend.protocols import content

    with app.app_context():
        session = db.session()
        row = session.scalar(select(ProtocolVersion)  # the version new patients get
                             .where(ProtocolVersion.slug == "heart-failure")
                             .order_by(ProtocolVersion.version.desc()).limit(1))
        definition = copy.deepcopy(row.definition)
        vitals = definition["questionnaires"]["vitals"]
        vitals["version"] = 1
        del next(i for i in vitals["items"] if i["link_id"] == "glucose")["units"]
        row.definition = definition
        session.commit()
        content._protocols.pop(row.id, None)
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse, protocol="heart-failure")
    response = submit(device, "vitals", {"glucose": {"value": "1,2", "unit": "g/L"}})
    assert response.status_code == 201, response.json
    assert stored(app) == [("6.7", "mmol/L")]
    with app.app_context():
        [submission] = db.session().scalars(select(Submission))
        assert submission.questionnaire_version == 1
