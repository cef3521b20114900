"""Clinical-content invariants of the shipped protocol files, checked on the YAML itself.

These do not need the rules engine: they hold the content to what the design promises a
nurse and a patient (stored versions never change; one cause, one alert; only "call 15
now" rules are emergencies and only they say so; every collected reading is read or
declared shown only; the NEWS2 vitals task asks for a full set) and what the schema says.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from questionnaires import CONTENT_DIR

PROTOCOLS = sorted((CONTENT_DIR / "protocols").glob("*.yaml"))
INSTRUMENTS = {yaml.safe_load(p.read_text(encoding="utf-8"))["slug"]: p
               for p in (CONTENT_DIR / "instruments").glob("*.yaml")}
# Stored versions are immutable: patients enrolled on them keep being scored by them.
STORED = {
    "ambulatory-general.v1.yaml":
        "7a3ff12585102a9fcd27e5a24793bc96a151f5904d8fa326e88cf735aad58cd1",
    "colorectal-eras.v1.yaml":
        "fe1ce803187eda87f4fd3e3d926f249371e29f9eb940f60ac6b8851cac43d5e2",
    "heart-failure.v1.yaml":
        "5eec7235a0c65097cfb47da9532043ff8666ccff80f1d361d4413148c5d30445",
    "hip-knee-arthroplasty.v1.yaml":
        "6af0425fba77e6d854a9d67168137fabfe36bb3ced149cfadcb2bf15dc479fcf",
}
# RCP 2017: the seven parameters of NEWS2.
NEWS2_READINGS = {"respiratory_rate", "spo2", "supplemental_oxygen", "systolic_bp",
                  "heart_rate", "consciousness", "temperature"}
CALL_NOW = {"fr": "Appelez le 15 (ou le 112) maintenant", "en": "Call 15 (or 112) now"}
CONDITIONAL = {"fr": ("Si ", "En cas "), "en": ("If ", "In case ")}
EMERGENCY_NUMBER = {"fr": re.compile(r"\ble 15\b"), "en": re.compile(r"\b15\b(?!\s*min)")}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def instrument(slug: str) -> dict:
    return load(INSTRUMENTS[slug])


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]


def protocol_ids(versions: str = "all") -> list:
    paths = [p for p in PROTOCOLS if versions == "all" or "shown_only" in load(p)]
    return [pytest.param(p, id=p.name) for p in paths]


def all_rules(protocol: dict) -> list[dict]:
    """The protocol's rules plus those of its scheduled questionnaires."""
    rules = list(protocol["rules"])
    for slug in {t["questionnaire"] for t in protocol["schedule"] if "questionnaire" in t}:
        rules += instrument(slug).get("rules", [])
    return rules


def leaves(cond: dict):
    for key in ("all", "any"):
        if key in cond:
            for c in cond[key]:
                yield from leaves(c)
            return
    if "not" in cond:
        yield from leaves(cond["not"])
    elif "persistent" in cond:
        yield cond["persistent"]
    elif "trend" in cond:
        yield cond["trend"]
    elif "missing" not in cond:
        yield cond


def test_stored_versions_are_unchanged():
    for name, digest in STORED.items():
        data = (CONTENT_DIR / "protocols" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"{name} is a stored version"


@pytest.mark.parametrize("kind", ["protocol", "questionnaire"])
def test_every_file_matches_its_schema(kind):
    schema = json.loads((CONTENT_DIR / "schemas" / f"{kind}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    paths = PROTOCOLS if kind == "protocol" else sorted(INSTRUMENTS.values())
    for path in paths:
        errors = [f"{list(e.absolute_path)}: {e.message}"
                  for e in validator.iter_errors(load(path))]
        assert not errors, f"{path.name}: {errors}"


def test_every_protocol_has_a_newest_version_declaring_shown_only():
    newest: dict[str, tuple[int, dict]] = {}
    for path in PROTOCOLS:
        data = load(path)
        if data["version"] > newest.get(data["slug"], (0, {}))[0]:
            newest[data["slug"]] = (data["version"], data)
    for slug, (_, data) in newest.items():
        assert "shown_only" in data, slug
        assert {"max_age_hours", "news2_set_minutes"} <= set(data), slug


@pytest.mark.parametrize("path", protocol_ids("v2"))
def test_every_collected_reading_is_read_or_shown_only(path):
    protocol = load(path)
    collected = {t["reading"] for t in protocol["schedule"] if "reading" in t}
    for slug in {t["questionnaire"] for t in protocol["schedule"] if "questionnaire" in t}:
        collected |= {i["reading"] for i in instrument(slug)["items"] if i["type"] == "reading"}
    read = set()
    for rule in all_rules(protocol):
        for leaf in leaves(rule["when"]):
            if "reading" in leaf:
                read.add(leaf["reading"])
            elif leaf.get("score", "").startswith("news2."):
                read |= NEWS2_READINGS
    shown = set(protocol["shown_only"])
    assert collected <= read | shown, f"neither read nor shown only: {collected - read - shown}"
    assert not shown & read, f"listed as shown only but read by a rule: {shown & read}"
    assert shown <= collected, f"shown only but not collected: {shown - collected}"


@pytest.mark.parametrize("path", protocol_ids("v2"))
def test_news2_vitals_task_requires_a_full_set(path):
    protocol = load(path)
    scores_news2 = any(leaf.get("score", "").startswith("news2.")
                       for rule in protocol["rules"] for leaf in leaves(rule["when"]))
    for task in protocol["schedule"]:
        if task.get("questionnaire") == "vitals" and scores_news2:
            assert set(task.get("requires", ())) >= NEWS2_READINGS, task


@pytest.mark.parametrize("path", protocol_ids("v2"))
def test_only_emergency_rules_tell_the_patient_to_call_15_now(path):
    for rule in all_rules(load(path)):
        for lang in ("fr", "en"):
            advice = rule["advice"][lang]
            if rule.get("emergency"):
                assert rule["severity"] == "high", rule["id"]
                assert sentences(advice)[0].startswith(CALL_NOW[lang]), (rule["id"], lang)
                continue
            assert CALL_NOW[lang].lower() not in advice.lower(), (rule["id"], lang)
            for sentence in sentences(advice):
                if EMERGENCY_NUMBER[lang].search(sentence):
                    assert sentence.startswith(CONDITIONAL[lang]), (rule["id"], sentence)


@pytest.mark.parametrize("path", protocol_ids("v2"))
def test_no_advice_repeats_a_sentence_within_a_group(path):
    groups: dict[str, list[dict]] = {}
    for rule in all_rules(load(path)):
        groups.setdefault(rule.get("group", rule["id"]), []).append(rule)
    for group, rules in groups.items():
        for lang in ("fr", "en"):
            seen: dict[str, str] = {}
            for rule in rules:
                for sentence in sentences(rule["advice"][lang]):
                    assert sentence not in seen, (group, lang, sentence, seen.get(sentence),
                                                  rule["id"])
                    seen[sentence] = rule["id"]


def capped_subjects(cond: dict) -> list[str]:
    """Subjects bounded from both sides by one conjunction (a range cut out of a scale)."""
    if "any" in cond:
        return [s for c in cond["any"] for s in capped_subjects(c)]
    if "all" not in cond:
        return []
    sides: dict[str, set[str]] = {}
    for c in cond["all"]:
        subject = c.get("reading") or c.get("answer") or c.get("score")
        if subject and c.get("op") in (">", ">=", "<", "<="):
            sides.setdefault(subject, set()).add(c["op"][0])
    return [s for s, ops in sides.items() if len(ops) == 2] + \
        [s for c in cond["all"] for s in capped_subjects(c)]


@pytest.mark.parametrize("path", protocol_ids("v2"))
def test_grouping_never_narrows_a_rule(path):
    """Duplicates are the group's job: no rule cuts its range short of a higher rule's
    (between, a lower and an upper bound on one subject, or a not), so an override of the
    higher rule always leaves the lower one able to fire."""
    for rule in load(path)["rules"]:
        assert '{"not"' not in json.dumps(rule["when"]), rule["id"]
        assert all(leaf.get("op") != "between" for leaf in leaves(rule["when"])), rule["id"]
        assert not capped_subjects(rule["when"]), rule["id"]


@pytest.mark.parametrize("path", protocol_ids("all"))
def test_answers_and_codes_exist(path):
    for rule in load(path)["rules"]:
        for leaf in leaves(rule["when"]):
            if "answer" not in leaf:
                continue
            slug, link_id = leaf["answer"].split(".")
            items = {i["link_id"]: i for i in instrument(slug)["items"]}
            assert link_id in items, (rule["id"], leaf["answer"])
            codes = {c["code"] for c in items[link_id].get("choices", ())}
            values = leaf["value"] if isinstance(leaf["value"], list) else [leaf["value"]]
            if codes:
                assert set(values) <= codes, (rule["id"], values, codes)


def test_phq9_item9_stays_a_high_safety_rule_with_3114_and_15():
    [rule] = [r for r in instrument("phq-9")["rules"] if r["id"] == "phq9-item9-positive"]
    assert rule["severity"] == "high"
    for lang in ("fr", "en"):
        assert "3114" in rule["advice"][lang] and "15" in rule["advice"][lang]


def test_heart_failure_reads_the_morning_weight_over_three_calendar_days():
    newest = max((load(p) for p in PROTOCOLS if load(p)["slug"] == "heart-failure"),
                 key=lambda d: d["version"])
    [rule] = [r for r in newest["rules"] if r["id"] == "weight-gain-3d"]
    assert rule["when"]["trend"] == {"reading": "weight", "change": "rise", "by": 2.0,
                                     "within_days": 3, "from": "min", "daily": "first"}
    assert {t.get("questionnaire") for t in newest["schedule"]} >= {"hf-symptoms"}


def test_schema_knows_the_new_keys_and_refuses_their_misuse():
    schema = json.loads((CONTENT_DIR / "schemas" / "protocol.schema.json").read_text())
    validator = Draft202012Validator(schema)
    base = load(CONTENT_DIR / "protocols" / "heart-failure.v2.yaml")

    def errors(mutate) -> list[str]:
        data = json.loads(json.dumps(base))
        mutate(data)
        return [e.message for e in validator.iter_errors(data)]

    def rule(data, rule_id):
        return next(r for r in data["rules"] if r["id"] == rule_id)

    assert not errors(lambda d: rule(d, "heart-rate-extreme")["when"]["any"][0].update(
        max_age_hours=6))
    assert errors(lambda d: rule(d, "heart-rate-extreme").update(emergency=True))  # medium
    assert errors(lambda d: rule(d, "news2-single-red")["when"].update(
        score="qor15.max_parameter"))
    assert errors(lambda d: rule(d, "weight-gain-3d")["when"]["trend"].update(daily="mean"))
    assert errors(lambda d: d["max_age_hours"].update(weight=0))
    assert errors(lambda d: d["shown_only"].update(weight=""))
    assert errors(lambda d: d["schedule"][1].update(requires=[]))


@pytest.mark.parametrize("slug", sorted(INSTRUMENTS))
def test_a_questionnaire_fits_in_one_submission(slug):
    """The API takes at most ANSWERS_PER_SUBMISSION answers: one per item of any
    shipped questionnaire."""
    from backend.limits import ANSWERS_PER_SUBMISSION

    items = yaml.safe_load(INSTRUMENTS[slug].read_text(encoding="utf-8"))["items"]
    assert len(items) <= ANSWERS_PER_SUBMISSION
