"""Mes données on the phone: the patient's own export in a few lines, and the full copy
saved on the phone; against the real backend for what crosses the network."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from suivi_app.core import mydata
from suivi_app.core.api import NetworkError
from suivi_app.core.service import PatientService

from tests.helpers import daily

EXPORT = {
    "exported_at": "2026-12-02T09:00:00+00:00",
    "identity": {"given_name": "Jeanne", "family_name": "Moreau", "birth_date": "1950-04-02",
                 "phone": "+33612345678", "timezone": "Europe/Paris"},
    "enrollments": [{"protocol": "ambulatory-general", "protocol_version": 1,
                     "protocol_title": "Chirurgie ambulatoire générale", "team": "Chirurgie A",
                     "surgery_date": "2026-11-30", "status": "active", "ended_at": None}],
    "consents": [{"kind": "telesurveillance", "notice_version": 1,
                  "given_at": "2026-11-30T15:02:00+00:00", "withdrawn_at": None,
                  "notice_title": "Notice d'information",
                  "notice_text": "Premier paragraphe\nsur deux lignes.\n\nSecond paragraphe.\n"}],
    "submissions": [{"questionnaire": "daily-postop", "submitted_at":
                     f"2026-12-0{d}T09:12:00+00:00"} for d in (1, 2)],
    "readings": [{"type": "temperature", "value": "37.4", "unit": "Cel",
                  "measured_at": "2026-12-01T08:55:00+00:00"},
                 {"type": "spo2", "value": "96", "unit": "%",
                  "measured_at": "2026-12-02T08:55:00+00:00"},
                 {"type": "heart_rate", "value": "72", "unit": "/min",
                  "measured_at": "2026-12-02T08:56:00+00:00"},
                 {"type": "weight", "value": "72.5", "unit": "kg",
                  "measured_at": "2026-12-02T08:57:00+00:00"}],
    "truncated": [],
}
WARD = {"name": "Chirurgie A", "phone": "+33122334455"}
TODAY = date(2026, 12, 2)


def plain(seen: mydata.MyData) -> mydata.MyData:
    """The lines with plain spaces (French spacing glues « : » and numbers with no-break
    spaces; test_the_lines_keep_numbers_and_colons_on_one_line checks those)."""
    def flat(text):
        return text.replace("\u00a0", " ") if isinstance(text, str) else text

    return mydata.MyData(**{name: [flat(t) for t in value] if isinstance(value, list)
                            else flat(value) for name, value in vars(seen).items()})


def test_the_export_reads_as_who_i_am_my_follow_up_my_consent_and_my_latest_values():
    seen = plain(mydata.summary(EXPORT, "fr", WARD, {"daily-postop": "Suivi quotidien"},
                                "Europe/Paris", TODAY))
    assert seen.identity == ["Jeanne Moreau", "Date de naissance : 02/04/1950",
                             "Téléphone : 06 12 34 56 78"]
    assert seen.follow_up == ["Chirurgie ambulatoire générale", "Opération le 30/11/2026",
                              "Équipe : Chirurgie A"]
    assert seen.consent == ["Accord donné le 30/11/2026, après la notice d'information "
                            "(version 1)."]
    # The notice as it was read: one flowing line a paragraph.
    assert seen.notice_title == "Notice d'information"
    assert seen.notice == ["Premier paragraphe sur deux lignes.", "Second paragraphe."]
    assert seen.counts == "Réponses : 2. Mesures : 4."
    assert seen.answers == ["Suivi quotidien, aujourd'hui à 10:12",  # newest first
                            "Suivi quotidien, le 01/12 à 10:12"]
    assert seen.readings == ["Poids : 72,5 kg, aujourd'hui à 09:57",
                             "Pouls : 72/min, aujourd'hui à 09:56",
                             "Saturation en oxygène : 96 %, aujourd'hui à 09:55"]
    assert seen.ask_ward == ("Pour recevoir une copie complète de votre dossier ou arrêter "
                             "le suivi, demandez-le au service : Chirurgie A, au "
                             "01 22 33 44 55.")


def test_the_lines_keep_numbers_and_colons_on_one_line():
    seen = mydata.summary(EXPORT, "fr", WARD, {}, "Europe/Paris", TODAY)
    nbsp = "\u00a0"
    assert seen.identity[2] == f"Téléphone{nbsp}: 06{nbsp}12{nbsp}34{nbsp}56{nbsp}78"
    assert seen.readings[0].startswith(f"Poids{nbsp}: 72,5{nbsp}kg")
    assert seen.ask_ward.endswith(f"au 01{nbsp}22{nbsp}33{nbsp}44{nbsp}55.")


def test_in_english_with_an_ended_follow_up_a_withdrawn_consent_and_a_cut_export():
    export = {**EXPORT, "truncated": ["readings"],
              "identity": {**EXPORT["identity"], "phone": None},
              "enrollments": [{**EXPORT["enrollments"][0], "status": "ended",
                               "ended_at": "2026-12-10T08:00:00+00:00"}],
              "consents": [{**EXPORT["consents"][0], "withdrawn_at": "2026-12-10T08:00:00Z",
                            "notice_title": None, "notice_text": None}]}
    seen = plain(mydata.summary(export, "en", None, {}, "Europe/Paris", TODAY))
    assert seen.identity[1:] == ["Date of birth: 02/04/1950", "Phone: none"]
    assert seen.follow_up[-1] == "Follow-up ended on 10/12/2026"
    assert seen.consent[-1] == "Consent withdrawn on 10/12/2026."
    assert seen.notice == []  # nothing to read: the screen offers no notice button
    assert seen.counts == "Answers: 2. Readings: more than 4."
    assert seen.answers[0] == "daily-postop, today at 10:12 AM"  # no title on the phone
    assert seen.ask_ward.endswith("ask the ward: The ward that follows you.")


def test_an_empty_export_still_reads():
    seen = plain(mydata.summary({}, "fr"))
    assert seen.identity == ["?", "Date de naissance : ?", "Téléphone : aucun"]
    assert seen.follow_up == ["Aucun suivi enregistré."]
    assert seen.consent == ["Aucun accord enregistré."]
    assert seen.counts == "Réponses : 0. Mesures : 0." and seen.answers == []


def test_the_copy_is_the_whole_export_written_whole_and_said_in_words(tmp_path):
    at = datetime(2026, 12, 2, 9, 5, 30, tzinfo=UTC)
    path = mydata.save_copy(EXPORT, tmp_path / "mes-donnees", at)
    assert path.name == "suivi-mes-donnees-2026-12-02-090530.json"
    assert json.loads(path.read_text(encoding="utf-8")) == EXPORT
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left
    words = mydata.where_saved(path, at, "Europe/Paris", "fr", date(2026, 12, 3))
    assert words.startswith("Copie enregistrée le 02/12 à 10:05 sur ce téléphone, dans les "
                            "fichiers de l'application Suivi, dossier")
    assert "mes-donnees" in words
    assert mydata.where_saved(path, at, "Europe/London", "en", TODAY).startswith(
        "Copy saved today at 9:05 AM on this phone")


def test_a_copy_that_cannot_be_written_fails_loudly_and_leaves_nothing(tmp_path):
    blocked = tmp_path / "mes-donnees"
    blocked.write_text("a file where the folder should be")  # as a full or broken storage
    with pytest.raises(OSError):  # the screen says the copy could not be saved
        mydata.save_copy(EXPORT, blocked, datetime(2026, 12, 2, tzinfo=UTC))
    assert [p.name for p in tmp_path.iterdir()] == ["mes-donnees"]


@pytest.fixture
def phone(world, live_server, tmp_path):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, given_name="Jeanne", family_name="Moreau")
    yesterday = world.clock.now().date() - timedelta(days=1)
    code = world.enrol(nurse, patient["id"], surgery_date=yesterday)["activation_code"]
    service = PatientService(tmp_path / "phone", live_server)
    service.activate(code)
    return service


def test_the_phone_reads_its_patients_data_and_saves_the_full_copy(phone, app):
    phone.outbox.add_submission("daily-postop", daily())
    assert phone.sync().waiting == 0
    export, seen = phone.my_data()
    seen = plain(seen)
    assert export["identity"]["family_name"] == "Moreau"
    assert seen.identity[0] == "Jeanne Moreau"
    assert seen.follow_up[0] == "Chirurgie ambulatoire générale"
    assert seen.counts.startswith("Réponses : 1.")
    assert seen.notice and "Vos droits" in " ".join(seen.notice)

    path, words = phone.save_copy(export)
    assert json.loads(Path(path).read_text(encoding="utf-8")) == export
    assert path.startswith(str(phone.store.path.parent / "mes-donnees"))
    assert "dossier « mes-donnees »" in words.replace("\u00a0", " ")


def test_offline_the_phone_says_so_and_keeps_nothing(phone, closed_url):
    phone.api.base_url = closed_url
    with pytest.raises(NetworkError):
        phone.my_data()
    assert not (phone.store.path.parent / "mes-donnees").exists()
