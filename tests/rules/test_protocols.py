"""Shipped protocols: they load, each rule can fire, normal data fires nothing, and
broken copies are rejected with messages naming file, rule and field."""

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from rules.conditions import AllOf, AnyOf, Missing, Not, Persistent, Threshold, Trend
from rules.evaluator import compare, evaluate
from rules.loader import load_content
from rules.loader_protocol import load_protocol_file, parse_protocol
from rules.model import ContentError, PatientData, Reading, Submission, TaskRecord
from rules.protocol import QuietHours
from rules.scores import news2, score_submission
from rules.units import READING_TYPES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EXPECTED = {"ambulatory-general", "hip-knee-arthroplasty", "colorectal-eras", "heart-failure"}
NORMAL = {
    "daily-postop": {
        "pain_now": Decimal(2), "pain_worst_24h": Decimal(3), "wound_redness": False,
        "wound_discharge": "none", "wound_bleeding": False, "wound_opening": False,
        "nausea": "none", "eating_drinking": "normal", "urination": "normal",
        "stools": "normal", "walking": "as_usual", "breathlessness": "none",
        "calf_pain": False,
    },
    "phq-9": {f"q{i}": "not_at_all" for i in range(1, 10)},
    "qor-15": {**{f"q{i}": Decimal(9) for i in range(1, 11)},
               **{f"q{i}": Decimal(1) for i in range(11, 16)}},
}
NORMAL_VITALS = {"respiratory_rate": Decimal(16), "spo2": Decimal(97),
                 "supplemental_oxygen": False, "systolic_bp": Decimal(125),
                 "heart_rate": Decimal(72), "consciousness": "A",
                 "temperature": Decimal("36.8"), "weight": Decimal(70)}
# Candidate inputs for score rules: the generator picks one whose score satisfies the rule.
NEWS2_CANDIDATES = [
    {**NORMAL_VITALS, "systolic_bp": Decimal(88)},                        # 3, low-medium
    {**NORMAL_VITALS, "respiratory_rate": Decimal(22), "heart_rate": Decimal(115),
     "spo2": Decimal(95)},                                                # 5, medium
    {**NORMAL_VITALS, "respiratory_rate": Decimal(26), "systolic_bp": Decimal(88),
     "spo2": Decimal(91)},                                                # 9, high
]
QUESTIONNAIRE_CANDIDATES = {
    "qor-15": [{**{f"q{i}": Decimal(v) for i in range(1, 11)},
                **{f"q{i}": Decimal(10 - v) for i in range(11, 16)}} for v in (2, 5, 8, 10)],
    "phq-9": [{f"q{i}": code for i in range(1, 10)}
              for code in ("several_days", "more_than_half_the_days", "nearly_every_day")],
}


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(scope="module")
def shipped(content):
    return [v for versions in content.protocols.values() for v in versions.values()]


def test_every_shipped_protocol_loads(content, shipped):
    assert set(content.protocols) == EXPECTED
    for p in shipped:
        assert p.window_days >= 1
        assert set(p.alert_deadlines) == {"low", "medium", "high"}
        assert p.alert_deadlines["high"].minutes == 15
        assert p.alert_deadlines["medium"].minutes == 60
        assert p.title.fr and p.title.en and p.source
        assert p.education and all(e.title.fr and e.body.en for e in p.education)
        for r in p.all_rules():
            assert r.source.strip() and r.explanation.fr and r.advice.en
        names = [(t.rule_id, t.name) for t in p.thresholds()]
        assert len(names) == len(set(names))


def test_heart_failure_weight_rule_and_window(content):
    hf = content.protocols["heart-failure"][1]
    [weight] = [t for t in hf.thresholds() if t.rule_id == "weight-gain-3d"]
    assert (weight.value, weight.op, weight.unit) == (Decimal("2.0"), ">", "kg")
    assert hf.window_days >= 4  # a 3-day trend needs the day before it
    assert "phq9-item9-positive" in [r.id for r in hf.all_rules()]


def _pick(leaf, p):
    """A value satisfying a threshold leaf."""
    op, value = leaf.op, leaf.value
    if op in (">=", "<=", "=="):
        return value
    if op == ">":
        return value + 1
    if op == "<":
        return value - 1
    if op in ("between",):
        return value[0]
    if op == "in":
        return sorted(value, key=str)[0]
    if isinstance(value, bool):  # !=
        return not value
    item = p.item(leaf.subject.head, leaf.subject.tail)
    return next(c.code for c in item.choices if c.code != value)


class _Patient:
    """Data built to satisfy a condition."""

    def __init__(self, protocol):
        self.p = protocol
        self.answers = {slug: dict(NORMAL.get(slug, {})) for slug in protocol.questionnaires}
        self.extra_submissions, self.readings, self.tasks = [], [], []

    def reading(self, rtype, value, hours_ago=0.5):  # after the normal background values
        self.readings.append(Reading(rtype, value, READING_TYPES[rtype].unit,
                                     NOW - timedelta(hours=hours_ago)))

    def satisfy(self, cond):
        if isinstance(cond, AllOf):
            for c in cond.conditions:
                self.satisfy(c)
        elif isinstance(cond, AnyOf):
            self.satisfy(cond.conditions[0])
        elif isinstance(cond, Not):
            pytest.fail("no generator for 'not' yet: extend the test")
        elif isinstance(cond, Threshold):
            self.threshold(cond)
        elif isinstance(cond, Persistent):
            leaf = cond.condition
            for n in range(1, cond.of_last):  # earlier values; the latest comes from threshold
                if leaf.subject.kind == "answer":
                    answers = {**self.answers[leaf.subject.head], leaf.subject.tail: _pick(leaf,
                                                                                          self.p)}
                    self.extra_submissions.append(Submission(
                        leaf.subject.head, NOW - timedelta(hours=1 + 24 * n), answers))
                else:
                    self.reading(leaf.subject.ref, _pick(leaf, self.p), 1 + 24 * n)
            self.threshold(leaf)
        elif isinstance(cond, Trend):
            # Only the trend's two values: a background value would be the day's first.
            self.readings = [r for r in self.readings if r.type != cond.subject.ref]
            step = cond.by + 1 if cond.change == "rise" else -(cond.by + 1)
            self.reading(cond.subject.ref, Decimal(70), 24 * cond.within_days - 2)
            self.reading(cond.subject.ref, Decimal(70) + step)
        elif isinstance(cond, Missing):
            due = NOW - timedelta(hours=float(cond.hours_after_due) + 1)
            self.tasks.append(TaskRecord("t@d1", cond.questionnaire, cond.reading, due, None))

    def threshold(self, leaf):
        kind, head, tail = leaf.subject.kind, leaf.subject.head, leaf.subject.tail
        if kind == "answer":
            self.answers[head][tail] = _pick(leaf, self.p)
        elif kind == "reading":
            self.reading(head, _pick(leaf, self.p))
        elif head == "news2":
            for vitals in NEWS2_CANDIDATES:
                result = news2({**vitals, "on_oxygen": vitals["supplemental_oxygen"]})
                value = {"total": Decimal(result.total), "band": result.band,
                         "max_parameter": Decimal(max(result.items.values()))}[tail]
                if compare(leaf.op, value, leaf.value):
                    for rtype, value in vitals.items():
                        self.reading(rtype, value)
                    return
            pytest.fail(f"no NEWS2 candidate satisfies {leaf}")
        else:
            for slug, q in self.p.questionnaires.items():
                for answers in QUESTIONNAIRE_CANDIDATES.get(slug, []) if q.score == head else []:
                    result = score_submission(q, answers)[head]
                    value = Decimal(result.total) if tail == "total" else result.band
                    if compare(leaf.op, value, leaf.value):
                        self.answers[slug] = answers
                        return
            pytest.fail(f"no candidate answers satisfy {leaf}")

    def data(self):
        subs = [Submission(slug, NOW - timedelta(hours=1), answers)
                for slug, answers in self.answers.items() if answers]
        return PatientData(subs + self.extra_submissions, self.readings, self.tasks)


def _normal_patient(p):
    patient = _Patient(p)
    for rtype, value in NORMAL_VITALS.items():
        patient.reading(rtype, value, 2)
        patient.reading(rtype, value, 26)
    return patient


def test_normal_recovery_fires_nothing(shipped):
    for p in shipped:
        assert evaluate(p, _normal_patient(p).data(), NOW) == [], p.slug


def test_every_rule_can_fire(shipped):
    checked = 0
    for p in shipped:
        for r in p.all_rules():
            patient = _normal_patient(p)
            patient.satisfy(r.when)
            # A rule of a group may fire under a higher one: it is then that one's evidence.
            findings = {m.rule_id: m for f in evaluate(p, patient.data(), NOW)
                        for m in f.members()}
            assert r.id in findings, f"{p.slug}: rule {r.id} did not fire"
            finding = findings[r.id]
            assert finding.severity == r.severity
            if not isinstance(r.when, Missing):
                assert finding.evidence, f"{p.slug}: rule {r.id} fired without evidence"
            for text in (finding.explanation.fr, finding.explanation.en):
                assert "{" not in text, f"{p.slug}: rule {r.id}: unfilled placeholder in {text}"
            checked += 1
    assert checked >= 50


# --- broken copies are rejected ------------------------------------------------------------

FILE = "protocols/ambulatory-general.v1.yaml"


@pytest.fixture
def raw(content):
    return copy.deepcopy(content.raw["protocols"]["ambulatory-general"][1])


def _rule(raw, rule_id):
    return next(r for r in raw["rules"] if r["id"] == rule_id)


def _issues(raw, questionnaires):
    with pytest.raises(ContentError) as exc:
        parse_protocol(raw, questionnaires, FILE)
    return [str(i) for i in exc.value.issues]


def test_unknown_reading_type(raw, questionnaires):
    _rule(raw, "fever")["when"]["reading"] = "temprature"
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule fever: field when.reading: unknown reading type 'temprature'"]


def test_unknown_link_id(raw, questionnaires):
    _rule(raw, "pain-maximal")["when"]["answer"] = "daily-postop.pain_nw"
    [issue] = _issues(raw, questionnaires)
    assert issue.startswith(f"{FILE}: rule pain-maximal: field when.answer: unknown link_id "
                            "'pain_nw' in questionnaire daily-postop (known: pain_now, ")


def test_unknown_questionnaire_and_score(raw, questionnaires):
    _rule(raw, "pain-maximal")["when"]["answer"] = "daily.pain_now"
    _rule(raw, "qor15-poor")["when"]["score"] = "qor16.total"
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule pain-maximal: field when.answer: unknown questionnaire 'daily'",
        f"{FILE}: rule qor15-poor: field when.score: unknown score 'qor16' "
        "(known: news2, qor15, phq9, pain_nrs)",
    ]


def test_bad_operator(raw, questionnaires):
    _rule(raw, "fever")["when"]["op"] = "=>"
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule fever: field when.op: unknown operator '=>' "
        "(expected one of > >= < <= == != between in)"]


def test_operator_or_value_that_does_not_fit_the_item(raw, questionnaires):
    _rule(raw, "calf-pain")["when"]["op"] = ">="
    _rule(raw, "wound-pus")["when"].update(op=">", value=1)
    _rule(raw, "pain-maximal")["when"].update(op="in", value=["high"])
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule calf-pain: field when.value: True is not a number",
        f"{FILE}: rule pain-maximal: field when.value: 'high' is not a number "
        "(daily-postop.pain_now is numeric)",
        f"{FILE}: rule wound-pus: field when.op: operator '>' cannot be applied to "
        "daily-postop.wound_discharge (allowed: == != in)",
    ]


def test_duplicate_rule_id(raw, questionnaires):
    _rule(raw, "wound-redness")["id"] = "wound-pus"
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule wound-pus: field id: duplicate rule id 'wound-pus' (already in rules[6])"]


def test_bad_choice_code(raw, questionnaires):
    _rule(raw, "wound-pus")["when"]["value"] = ["pus"]
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule wound-pus: field when.value: 'pus' is not a choice of "
        "daily-postop.wound_discharge (none, clear, cloudy_or_pus, blood)"]


def test_missing_advice_language(raw, questionnaires):
    del _rule(raw, "calf-pain")["advice"]["en"]
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule calf-pain: field advice.en: missing en text"]


def test_schedule_and_deadline_problems(raw, questionnaires):
    raw["schedule"][0]["at"] = "25:00"
    raw["schedule"][1]["days"] = [1, 400]
    raw["schedule"].append({"questionnaire": "daily-postops", "days": [1], "at": "10:00",
                            "grace_hours": 2})
    del raw["alert_deadlines"]["low"]
    found = _issues(raw, questionnaires)
    assert f"{FILE}: field schedule[0].at: '25:00' is not a time HH:MM (24 h)" in found
    assert f"{FILE}: field schedule[1].days: day 400 is outside 0..366 (day 0 = day of " \
           "surgery)" in found
    assert f"{FILE}: field schedule[2].questionnaire: unknown questionnaire 'daily-postops' " \
           "(known: daily-postop, hf-symptoms, pain-nrs, phq-9, qor-15, vitals)" in found
    assert f"{FILE}: field alert_deadlines.low: needs exactly one of minutes, local_time" in found


def test_snooze_maxima_default_per_severity_and_are_checked(content, raw, questionnaires):
    v1 = parse_protocol(raw, questionnaires, FILE)  # written before the key existed
    assert v1.snooze_max("high") == timedelta(hours=2)
    assert v1.snooze_max("medium") == timedelta(hours=24)
    assert v1.snooze_max("low") == timedelta(hours=72)
    for versions in content.protocols.values():
        assert max(versions.values(), key=lambda p: p.version).alert_snooze_max == {
            "high": 120, "medium": 1440, "low": 4320}
    raw["alert_snooze_max"] = {"high": {"minutes": 30}, "medium": {"minutes": 0},
                               "low": {"hours": 3}}
    found = _issues(raw, questionnaires)
    assert f"{FILE}: field alert_snooze_max.medium.minutes: 0 is not a number of minutes " \
           "(1-10080)" in found
    assert f"{FILE}: field alert_snooze_max.low: needs minutes ({{minutes: 120}})" in found
    raw["alert_snooze_max"] = {"high": {"minutes": 30}, "medium": {"minutes": 600},
                               "low": {"minutes": 10080}}
    assert parse_protocol(raw, questionnaires, FILE).snooze_max("high") == \
        timedelta(minutes=30)


def test_missing_rule_on_an_unscheduled_questionnaire(raw, questionnaires):
    _rule(raw, "daily-check-missing")["when"]["missing"]["questionnaire"] = "vitals"
    assert _issues(raw, questionnaires) == [
        f"{FILE}: rule daily-check-missing: field when.missing.questionnaire: 'vitals' is not "
        "in the schedule, so it can never be missing"]


def test_all_problems_at_once_including_schema_only_ones(raw, questionnaires):
    _rule(raw, "fever")["when"]["reading"] = "temprature"
    _rule(raw, "wound-pus")["when"]["value"] = ["pus"]
    del _rule(raw, "calf-pain")["advice"]["en"]
    raw["colour"] = "blue"  # only the schema knows the allowed top-level keys
    found = _issues(raw, questionnaires)
    assert len(found) == 4
    assert f"{FILE}: field (top level): Additional properties are not allowed ('colour' was " \
           "unexpected)" in found


def test_file_name_must_match_slug_and_version(tmp_path, content, questionnaires):
    import yaml

    path = tmp_path / "ambulatory-general.v2.yaml"
    path.write_text(yaml.safe_dump(content.raw["protocols"]["ambulatory-general"][1]))
    with pytest.raises(ContentError) as exc:
        load_protocol_file(path, questionnaires)
    assert str(exc.value) == ("protocols/ambulatory-general.v2.yaml: field slug: file name "
                              "should be ambulatory-general.v1.yaml (slug.vVERSION)")


JUNK = [None, 5, "x", [], {"a": 1}, True]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_junk_anywhere_is_a_content_error_not_a_crash(raw, questionnaires, junk):
    """Replacing any value of the file by junk yields a ContentError naming the file."""
    def paths(node, prefix=()):
        yield prefix
        children = node.items() if isinstance(node, dict) else (
            enumerate(node) if isinstance(node, list) else ())
        for key, child in children:
            yield from paths(child, (*prefix, key))

    rejected = accepted = 0
    # every kind of place (not every repetition, the schema check is slow): top level, the
    # first task and education item, rules of each condition kind; fr/en leaves are alike
    kinds = {"fever-high", "pain-severe-persistent", "qor15-poor", "daily-check-missing"}
    keep = [i for i, r in enumerate(raw["rules"]) if r["id"] in kinds]
    for path in [p for p in paths(raw) if p and p[-1] not in ("fr", "en") and (
            len(p) < 2 or p[1] == 0 or (p[0] == "rules" and p[1] in keep))]:
        broken = copy.deepcopy(raw)
        node = broken
        for key in path[:-1]:
            node = node[key]
        if node[path[-1]] == junk:
            continue
        node[path[-1]] = junk
        try:
            parse_protocol(broken, questionnaires, FILE)
        except ContentError as exc:
            assert exc.issues and all(i.file == FILE for i in exc.issues), path
            rejected += 1
        else:  # junk that happens to be valid there (version 5, a source "x", ...)
            accepted += 1
    assert rejected > accepted


def test_every_collected_reading_is_read_by_a_rule_or_declared_shown_only(protocol):
    fever = {"id": "fever", "severity": "medium", "source": "test",
             "when": {"reading": "temperature", "op": ">=", "value": 38.5},
             "explanation": {"fr": "f", "en": "f"}, "advice": {"fr": "a", "en": "a"}}
    news2 = {**fever, "id": "news2", "when": {"score": "news2.total", "op": ">=", "value": 5}}
    vitals_only = [{"questionnaire": "vitals", "days": [1], "at": "09:00", "grace_hours": 2}]
    with pytest.raises(ContentError) as error:
        protocol(fever, schedule=vitals_only, shown_only={"weight": "charted for the surgeon"})
    unread = [i.message for i in error.value.issues if i.field == "shown_only"]
    assert any("'glucose' but no rule reads it" in m for m in unread)
    assert not any("'weight'" in m or "'temperature'" in m for m in unread)
    # NEWS2 reads its seven parameters; the rest is declared.
    protocol(news2, schedule=vitals_only,
             shown_only={key: "charted for the surgeon" for key in
                         ("weight", "glucose", "diastolic_bp")})


@pytest.mark.parametrize(("top", "field", "message"), [
    ({"max_age_hours": {"temperatur": 24}}, "max_age_hours.temperatur",
     "'temperatur' is not a reading type, questionnaire or score"),
    ({"max_age_hours": {"weight": 0}}, "max_age_hours.weight", "0 is not a positive number"),
    ({"news2_set_minutes": 0}, "news2_set_minutes", "0 is not a number of minutes (1-240)"),
    ({"shown_only": {"weight": ""}}, "shown_only.weight", "say why no rule reads it"),
])
def test_bad_freshness_settings_are_rejected(protocol, top, field, message):
    fever = {"id": "fever", "severity": "medium", "source": "test",
             "when": {"reading": "temperature", "op": ">=", "value": 38.5},
             "explanation": {"fr": "f", "en": "f"}, "advice": {"fr": "a", "en": "a"}}
    with pytest.raises(ContentError) as error:
        protocol(fever, **top)
    assert any(i.field == field and message in i.message for i in error.value.issues), \
        error.value.issues


def test_requires_names_readings_of_the_task(protocol):
    fever = {"id": "fever", "severity": "medium", "source": "test",
             "when": {"reading": "temperature", "op": ">=", "value": 38.5},
             "explanation": {"fr": "f", "en": "f"}, "advice": {"fr": "a", "en": "a"}}
    schedule = [{"questionnaire": "daily-postop", "days": [1], "at": "10:00", "grace_hours": 2,
                 "requires": ["heart_rate"]}]
    with pytest.raises(ContentError, match="'heart_rate' is not a reading of daily-postop"):
        protocol(fever, schedule=schedule)


# -- quiet hours --------------------------------------------------------------------------

def test_quiet_hours_default_to_the_night_and_may_be_set(content, raw, questionnaires):
    from datetime import time

    assert all(p.quiet_hours == QuietHours(time(21), time(8))
               for versions in content.protocols.values() for p in versions.values())
    raw["quiet_hours"] = {"from": "22:30", "to": "07:00"}
    assert parse_protocol(raw, questionnaires, FILE).quiet_hours == QuietHours(time(22, 30),
                                                                             time(7))


@pytest.mark.parametrize(("value", "message"), [
    ({"from": "21:00", "to": "21:00"}, "quiet_hours.to: must differ from `from`"),
    ({"from": "9pm", "to": "08:00"}, "quiet_hours.from: '9pm' is not a time HH:MM"),
    ({"from": "21:00"}, "quiet_hours.to: None is not a time HH:MM"),
])
def test_bad_quiet_hours_are_rejected(raw, questionnaires, value, message):
    raw["quiet_hours"] = value
    assert any(message in issue for issue in _issues(raw, questionnaires))


@pytest.mark.parametrize(("local", "ends"), [
    ("20:59", None), ("21:00", "2026-11-24 08:00"), ("23:59", "2026-11-24 08:00"),
    ("00:00", "2026-11-23 08:00"), ("07:59", "2026-11-23 08:00"), ("08:00", None),
])
def test_quiet_hours_across_midnight_on_the_patients_clock(local, ends):
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    at = datetime.fromisoformat(f"2026-11-23 {local}").replace(tzinfo=paris)
    end = QuietHours().ends_at(at.astimezone(UTC), "Europe/Paris")
    assert (end and end.astimezone(paris).strftime("%Y-%m-%d %H:%M")) == ends


def test_quiet_hours_within_one_day():
    from datetime import time

    siesta = QuietHours(time(13), time(15))
    assert siesta.ends_at(datetime(2026, 11, 23, 13, 30, tzinfo=UTC), "UTC") == datetime(
        2026, 11, 23, 15, 0, tzinfo=UTC)
    assert siesta.ends_at(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), "UTC") is None
