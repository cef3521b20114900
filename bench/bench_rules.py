"""Rule engine benchmark: the shipped colorectal-eras v2 protocol vs the same rules by hand.

Run on demand (not part of the test suite)::

    python -m bench.bench_rules [--n 2000]

One synthetic patient, 14 days of data in Europe/Paris, generated from a fixed seed so
every run measures the same work: a daily-postop check every morning (and once after
midnight), a set of vital signs every morning taken a minute or two apart (weight every
day, glucose on three days), the form's own temperature on the bad days, QoR-15 on days
1, 3 and 7, tasks for each. The last days go wrong (fever, wound signs, pain, ileus, then
a low blood pressure in an incomplete set), and the history is built so that the new
features decide what fires: a very low glucose, a diastolic of grade 3, a poor QoR-15 and
the last full NEWS2 set are all older than their 24 h and must not be read; NEWS2's red
parameter comes from today's incomplete set; persistent pain holds on two days only in
Paris time (one answer was given at 00:20 in Paris, still the previous day in UTC); five
groups fire, four of them with related findings.

``hand_written`` does the same work as straight-line Python: each rule of v2 with its
freshness, NEWS2 on one set, persistence by local calendar day, groups, the same
evidence, explanations and ``new`` flags. Before timing, the script checks that both
give the same findings (every field, related ones included) on the protocol as shipped,
with every input read whatever its age, and in UTC, and that these three differ.
"""

from __future__ import annotations

import argparse
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rules.evaluator import DAY_GAP, evaluate
from rules.loader import load_content
from rules.model import (
    SEVERITY_RANK,
    Finding,
    PatientData,
    Reading,
    Submission,
    TaskRecord,
    Text,
)
from rules.protocol import Protocol
from rules.scores import NEWS2_READINGS, news2, news2_points, score_submission

SEED = 20261130
SURGERY = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # 10:00 in Paris, winter time
DAYS = 14
TIMEZONE = "Europe/Paris"
UNITS = {"temperature": "Cel", "heart_rate": "/min", "respiratory_rate": "/min",
         "systolic_bp": "mm[Hg]", "diastolic_bp": "mm[Hg]", "spo2": "%",
         "supplemental_oxygen": "", "consciousness": "", "weight": "kg", "glucose": "mmol/L"}


def synthetic_patient(seed: int = SEED) -> tuple[PatientData, datetime]:
    """14 days of plausible recovery with a late complication; ``now`` is day 14, 15:00 in
    Paris, just after the patient sent the day's check (its data is marked new)."""
    rng = random.Random(seed)
    submissions: list[Submission] = []
    readings: list[Reading] = []
    tasks: list[TaskRecord] = []
    weight = Decimal("71.4")
    for day in range(1, DAYS + 1):
        worse, last = day >= 12, day == DAYS
        # --- vital signs: 09:00-10:00 in Paris, one reading every minute or two
        vitals_due = SURGERY + timedelta(days=day, hours=-1)
        vitals_at = vitals_due + timedelta(minutes=rng.randint(0, 60))
        weight += Decimal(rng.randint(-3, 2)) / 10
        values: dict[str, Any] = {
            "temperature": Decimal(f"{38.6 + rng.random() * 0.4:.1f}") if worse
            else Decimal(f"{36.4 + rng.random():.1f}"),
            "heart_rate": Decimal(rng.randint(112, 128) if worse else rng.randint(60, 85)),
            "respiratory_rate": Decimal(rng.randint(21, 24) if worse else rng.randint(14, 18)),
            # pain raises the pressure on days 12-13; on day 14 it has fallen (sepsis)
            "systolic_bp": Decimal(88 if last else rng.randint(150, 175) if worse
                                   else rng.randint(105, 135)),
            "diastolic_bp": Decimal(rng.randint(110, 115) if worse else rng.randint(65, 85)),
            "spo2": Decimal(rng.randint(93, 95) if worse else rng.randint(95, 99)),
            "supplemental_oxygen": False,
            "consciousness": "A",
            "weight": weight,
        }
        if day in (4, 9, 13):  # glucose now and then; day 13 a hypoglycaemia (stale today)
            values["glucose"] = Decimal("2.8") if day == 13 else Decimal(rng.randint(52, 78)) / 10
        if last:  # an incomplete set: no breathing rate, no ACVPU, no diastolic
            for rtype in ("respiratory_rate", "consciousness", "diastolic_bp"):
                del values[rtype]
        at = vitals_at
        for rtype, value in values.items():
            readings.append(Reading(rtype, value, UNITS[rtype], at))
            at += timedelta(minutes=rng.randint(1, 2))
        # the task is done once the seven NEWS2 readings have arrived (schedule `requires`)
        complete = all(rtype in values for rtype in NEWS2_READINGS)
        tasks.append(TaskRecord(f"vitals@d{day}", "vitals", None, vitals_due,
                                readings[-1].measured_at if complete else None))
        # --- the daily check, 40-100 minutes after the vitals (45 on the last day)
        check_at = vitals_at + timedelta(minutes=45 if last else rng.randint(40, 100))
        pain = (Decimal(5) if day == 13 else Decimal(rng.randint(7, 9)) if worse
                else Decimal(max(0, 6 - day // 2 + rng.randint(-1, 1))))
        answers = _daily_answers(rng, day, pain, worse)
        submissions.append(Submission("daily-postop", check_at, answers, new=last))
        tasks.append(TaskRecord(f"daily-postop@d{day}", "daily-postop", None,
                                SURGERY + timedelta(days=day), check_at))
        if worse:  # the form's own temperature item: a reading at the check's time
            form_t = (Decimal(f"{39.1 + rng.random() * 0.4:.1f}") if last
                      else Decimal(f"{38.7 + rng.random() * 0.3:.1f}"))
            readings.append(Reading("temperature", form_t, "Cel", check_at, new=last))
        if day == 12:  # pain at night: 23:20 UTC is 00:20 on the next day in Paris
            night = SURGERY + timedelta(days=day, hours=14, minutes=20)
            submissions.append(Submission("daily-postop", night,
                                          _daily_answers(rng, day, Decimal(8), True)))
        if day in (1, 3, 7):  # QoR-15; day 7 is a poor recovery (stale by day 14)
            poor = day == 7
            qor = {f"q{i}": Decimal(rng.randint(3, 6) if poor else rng.randint(6, 10))
                   for i in range(1, 11)}
            qor.update({f"q{i}": Decimal(rng.randint(5, 9) if poor else rng.randint(0, 4))
                        for i in range(11, 16)})
            qor_at = check_at + timedelta(minutes=5)
            submissions.append(Submission("qor-15", qor_at, qor))
            tasks.append(TaskRecord(f"qor-15@d{day}", "qor-15", None,
                                    SURGERY + timedelta(days=day), qor_at))
    now = SURGERY + timedelta(days=DAYS, hours=5)
    rng.shuffle(submissions)  # the backend's order is not guaranteed
    rng.shuffle(readings)
    rng.shuffle(tasks)
    return PatientData(submissions, readings, tasks), now


def _daily_answers(rng: random.Random, day: int, pain: Decimal, worse: bool) -> dict:
    last = day == DAYS
    return {
        "pain_now": pain, "pain_worst_24h": min(Decimal(10), pain + rng.randint(1, 3)),
        "wound_redness": worse, "wound_bleeding": False, "wound_opening": False,
        "wound_discharge": "cloudy_or_pus" if last else "clear" if worse else "none",
        "nausea": "vomiting" if worse else rng.choice(["none", "none", "nausea"]),
        "eating_drinking": "unable" if last else "reduced" if worse else "normal",
        "urination": "reduced" if worse else "normal",
        "stools": "none_since_surgery" if worse else "normal",
        "walking": "with_help" if worse else "as_usual",
        "breathlessness": "on_exertion" if last else "none", "calf_pain": False,
    }


# --- the same rules, written by hand ---------------------------------------------------

# v2's cut-offs, as written in colorectal-eras.v2.yaml
FEVER, HIGH_FEVER, LEAK_FEVER = Decimal("38.5"), Decimal("39.1"), Decimal("38.0")
SEVERE_PAIN, WORST_PAIN, MAXIMAL_PAIN = Decimal(7), Decimal(8), Decimal(10)
NEWS2_HIGH, NEWS2_MEDIUM, NEWS2_RED = Decimal(7), Decimal(5), Decimal(3)
SBP_LOW, SBP_VERY_HIGH, DBP_VERY_HIGH = Decimal(90), Decimal(180), Decimal(110)
GLUCOSE_LOW, GLUCOSE_VERY_LOW = Decimal("3.9"), Decimal("3.0")
GLUCOSE_HIGH, GLUCOSE_VERY_HIGH = Decimal("13.9"), Decimal("33.3")
QOR15_POOR = Decimal(90)
DAILY_GRACE, VITALS_GRACE = Decimal(2), Decimal(3)
PUS = frozenset({"cloudy_or_pus"})
BREATHLESS = frozenset({"on_exertion", "at_rest"})

Evidence = dict[str, Any]
Ev = tuple[Evidence, bool]  # an evidence item and whether it rests on data sent now


def hand_written(protocol: Protocol, data: PatientData, now: datetime,
                 timezone: str = TIMEZONE) -> list[Finding]:
    """colorectal-eras v2 as straight-line Python over the same data."""
    tz = ZoneInfo(timezone)
    ages = protocol.max_age_hours

    def max_age(*keys: str) -> timedelta:
        """How old an input may be (the protocol's ``max_age_hours``)."""
        hours = next((ages[k] for k in keys if k in ages), ages.get("default", Decimal(24)))
        return timedelta(hours=float(hours))

    # The data as of now, in time order (ties broken on the content: any input order).
    by_type: dict[str, list[Reading]] = {}
    for r in data.readings:
        if r.measured_at <= now:
            by_type.setdefault(r.type, []).append(r)
    for rs in by_type.values():
        _time_order(rs, lambda r: r.measured_at, lambda r: (r.measured_at, str(r.value), r.unit))
    daily = _time_order([s for s in data.submissions
                         if s.questionnaire == "daily-postop" and s.submitted_at <= now],
                        lambda s: s.submitted_at,
                        lambda s: (s.submitted_at, repr(sorted(s.answers.items()))))
    qor = _time_order([s for s in data.submissions
                       if s.questionnaire == "qor-15" and s.submitted_at <= now],
                      lambda s: s.submitted_at,
                      lambda s: (s.submitted_at, repr(sorted(s.answers.items()))))

    def reading(rtype: str) -> Reading | None:
        """The latest reading of ``rtype``; None when there is none or it is too old."""
        rs = by_type.get(rtype)
        if not rs or now - rs[-1].measured_at > max_age(rtype):
            return None
        return rs[-1]

    daily_age = max_age("daily-postop")
    latest_answers: dict[str, tuple[Submission, Any] | None] = {}

    def answer(link_id: str) -> tuple[Submission, Any] | None:
        """The latest answer to a daily-postop item; None when there is none or too old."""
        if link_id not in latest_answers:
            found = next(((s, s.answers[link_id]) for s in reversed(daily)
                          if s.answers.get(link_id) is not None), None)
            fresh = found is not None and now - found[0].submitted_at <= daily_age
            latest_answers[link_id] = found if fresh else None
        return latest_answers[link_id]

    def answer_ev(submission: Submission, link_id: str, value: Any, op: str,
                  threshold: Any, **extra: Any) -> Ev:
        item = protocol.item("daily-postop", link_id)
        return _evidence({"answer": f"daily-postop.{link_id}", "value": _show(value)},
                         item.unit if item else None, submission.submitted_at, op, threshold,
                         **extra), submission.new

    def is_(link_id: str, expected: Any) -> Ev | None:
        """Evidence that the latest answer is ``expected`` (a code or true), else None."""
        a = answer(link_id)
        if a is None or a[1] != expected or type(a[1]) is not type(expected):
            return None
        return answer_ev(a[0], link_id, a[1], "==", expected)

    def is_in(link_id: str, codes: frozenset[str]) -> Ev | None:
        a = answer(link_id)
        if a is None or a[1] not in codes:
            return None
        return answer_ev(a[0], link_id, a[1], "in", ", ".join(sorted(codes)))

    def at_least(link_id: str, cut_off: Decimal) -> Ev | None:
        a = answer(link_id)
        return answer_ev(a[0], link_id, a[1], ">=", str(cut_off)) \
            if a is not None and a[1] >= cut_off else None

    fired: list[tuple[str, tuple[Ev, ...]]] = []  # (rule id, evidence), in file order

    def fire(rule_id: str, *evidence: Ev) -> None:
        fired.append((rule_id, evidence))

    # --- group infection
    temp = reading("temperature")
    if temp is not None and temp.value >= FEVER:
        fire("fever", _reading_ev(temp, ">=", FEVER))
    if temp is not None and temp.value >= HIGH_FEVER:
        fire("fever-high", _reading_ev(temp, ">=", HIGH_FEVER))
    if temp is not None and temp.value >= FEVER:
        sign = is_("wound_redness", True) or is_in("wound_discharge", PUS)
        if sign is not None:
            fire("fever-wound-signs", _reading_ev(temp, ">=", FEVER), sign)
    if temp is not None and temp.value > LEAK_FEVER:
        sign = at_least("pain_now", SEVERE_PAIN) or is_("nausea", "vomiting")
        if sign is not None:
            fire("anastomotic-leak-signs", _reading_ev(temp, ">", LEAK_FEVER), sign)
    if (ev := is_("wound_opening", True)) is not None:
        fire("wound-opening", ev)
    if (ev := is_in("wound_discharge", PUS)) is not None:
        fire("wound-pus", ev)
    if (ev := is_("wound_redness", True)) is not None:
        fire("wound-redness", ev)

    # --- group bleeding
    if (ev := is_("wound_bleeding", True)) is not None:
        fire("wound-bleeding", ev)

    # --- group pain: pain >= 7 on the last two calendar days (the patient's) with an answer
    pains = [(s, s.answers["pain_now"]) for s in daily if s.answers.get("pain_now") is not None]
    if pains and now - pains[-1][0].submitted_at <= daily_age:
        by_day: dict[date, list[tuple[Submission, Any]]] = {}
        for s, value in pains:
            by_day.setdefault(s.submitted_at.astimezone(tz).date(), []).append((s, value))
        days = sorted(by_day)[-2:]
        held = [points for day in days
                if (points := [p for p in by_day[day] if p[1] >= SEVERE_PAIN])]
        hits = [points[-1] for points in held]
        if len(days) == 2 and len(hits) == 2 and \
                held[-1][-1][0].submitted_at - held[0][0][0].submitted_at >= DAY_GAP:
            fire("pain-severe-persistent", *(
                answer_ev(s, "pain_now", value, ">=", str(SEVERE_PAIN), count=len(hits),
                          of_last=2)
                for s, value in reversed(hits)))
    if (ev := at_least("pain_now", SEVERE_PAIN) or at_least("pain_worst_24h", WORST_PAIN)):
        fire("pain-severe", ev)
    if (ev := at_least("pain_now", MAXIMAL_PAIN)) is not None:
        fire("pain-maximal", ev)

    # --- group vte
    calf = is_("calf_pain", True)
    if calf is not None:
        fire("calf-pain", calf)
        if (ev := is_in("breathlessness", BREATHLESS)) is not None:
            fire("pe-suspected", calf, ev)
    if (ev := is_("breathlessness", "at_rest")) is not None:
        fire("breathless-at-rest", ev)
    if (ev := is_("breathlessness", "on_exertion")) is not None:
        fire("breathless-on-exertion", ev)

    # --- group vomiting
    vomiting = is_("nausea", "vomiting")
    if vomiting is not None:
        if (ev := is_("stools", "none_since_surgery")) is not None:
            fire("ileus-suspected", vomiting, ev)
        if (ev := is_("eating_drinking", "unable")) is not None:
            fire("vomiting-unable-to-drink", vomiting, ev)

    # --- group vital-signs: NEWS2 on one set of observations, and blood pressure
    set_window = timedelta(minutes=protocol.news2_set_minutes)
    news2_age = max_age("news2")
    times = {rtype: [r.measured_at for r in by_type.get(rtype, ())] for rtype in NEWS2_READINGS}
    moments = sorted({at for ts in times.values() for at in ts}, reverse=True)

    def news2_set(at: datetime) -> dict[str, Reading]:
        """The latest reading of each NEWS2 parameter taken within the set window up to
        ``at`` (a NEWS2 may change whenever one parameter is measured)."""
        found = {}
        for rtype, ts in times.items():
            i = bisect_right(ts, at)
            if i and ts[i - 1] >= at - set_window:
                found[rtype] = by_type[rtype][i - 1]
        return found

    def news2_inputs(found: dict[str, Reading]) -> dict[str, Any]:
        return {NEWS2_READINGS[rtype]: r.value for rtype, r in found.items()}

    scale = protocol.spo2_scale
    red: Ev | None = None
    if moments and now - moments[0] <= news2_age:  # NEWS2 of the newest set
        found = news2_set(moments[0])
        new = any(r.new for r in found.values())
        missing = [rtype for rtype in NEWS2_READINGS if rtype not in found]
        if not missing:
            result = news2({**news2_inputs(found), "spo2_scale": scale})
            points, total = dict(result.items), result.total
            extra: dict[str, Any] = {"band": result.band, "items": points}
        else:  # an incomplete set scores each parameter; its sum is a lower bound
            points = news2_points(news2_inputs(found), scale)
            total = sum(points.values())
            extra = {"items": points, "missing": missing, "at_least": True}
        for rule_id, cut_off in (("news2-high", NEWS2_HIGH), ("news2-medium", NEWS2_MEDIUM)):
            if total >= cut_off:
                fire(rule_id, (_evidence({"score": "news2.total", "value": str(total)},
                                         None, moments[0], ">=", str(cut_off), **extra), new))
        highest = max(points.values(), default=0)
        if highest >= NEWS2_RED:  # fired last: the group's most generic rule
            red = (_evidence({"score": "news2.max_parameter", "value": str(highest)}, None,
                             moments[0], ">=", str(NEWS2_RED), items=points,
                             missing=missing), new)
    sbp = reading("systolic_bp")
    if sbp is not None and sbp.value < SBP_LOW:
        fire("systolic-low", _reading_ev(sbp, "<", SBP_LOW))
    if sbp is not None and sbp.value >= SBP_VERY_HIGH:
        fire("systolic-very-high", _reading_ev(sbp, ">=", SBP_VERY_HIGH))
    dbp = reading("diastolic_bp")
    if dbp is not None and dbp.value >= DBP_VERY_HIGH:
        fire("diastolic-very-high", _reading_ev(dbp, ">=", DBP_VERY_HIGH))
    if red is not None:
        fire("news2-single-red", red)

    # --- groups glucose-low and glucose-high
    glucose = reading("glucose")
    if glucose is not None and glucose.value < GLUCOSE_LOW:
        fire("glucose-low", _reading_ev(glucose, "<", GLUCOSE_LOW))
    if glucose is not None and glucose.value < GLUCOSE_VERY_LOW:
        fire("glucose-very-low", _reading_ev(glucose, "<", GLUCOSE_VERY_LOW))
    if glucose is not None and glucose.value >= GLUCOSE_HIGH:
        fire("glucose-high", _reading_ev(glucose, ">=", GLUCOSE_HIGH))
    if glucose is not None and glucose.value >= GLUCOSE_VERY_HIGH:
        fire("glucose-very-high", _reading_ev(glucose, ">=", GLUCOSE_VERY_HIGH))

    # --- single-rule groups
    if (ev := is_("urination", "none_12h")) is not None:
        fire("no-urine-12h", ev)
    qor_age = max_age("qor15", "qor-15")
    for s in reversed(qor):  # the newest QoR-15 that scores, while recent enough
        if now - s.submitted_at > qor_age:
            break
        try:
            score = score_submission(protocol.questionnaires["qor-15"], s.answers)["qor15"]
        except (ValueError, KeyError):  # incomplete: no score rather than a wrong one
            continue
        if score.total < QOR15_POOR:
            fire("qor15-poor", (_evidence({"score": "qor15.total", "value": str(score.total)},
                                          None, s.submitted_at, "<", str(QOR15_POOR),
                                          band=score.band, items=dict(score.items)), s.new))
        break
    for rule_id, slug, hours in (("daily-check-missing", "daily-postop", DAILY_GRACE),
                                 ("vitals-missing", "vitals", VITALS_GRACE)):
        grace = timedelta(hours=float(hours))
        overdue = [k for k in data.tasks if k.questionnaire == slug and k.due_at + grace <= now]
        if overdue:
            task = max(overdue, key=lambda k: (k.due_at, k.key))
            if task.answered_at is None or task.answered_at > now:
                fire(rule_id, ({"task": task.key, "questionnaire": slug,
                                "due_at": task.due_at.isoformat(), "hours": str(hours),
                                "op": ">=", "threshold": str(hours)}, False))

    return _grouped(protocol, fired)


def _grouped(protocol: Protocol, fired: list[tuple[str, tuple[Ev, ...]]]) -> list[Finding]:
    """One finding per group: the highest (then emergency, then new, then file order),
    the others as its related findings; explanation and advice filled from the first
    evidence item."""
    rules = {rule.id: rule for rule in protocol.rules}
    groups: dict[str, list[Finding]] = {}
    for rule_id, evidence in fired:
        rule = rules[rule_id]
        facts = _Facts(evidence[0][0])
        finding = Finding(rule_id, rule.severity,  # type: ignore[arg-type]
                          tuple(e for e, _ in evidence), _fill(rule.explanation, facts),
                          _fill(rule.advice, facts), rule.group, rule.emergency,
                          any(new for _, new in evidence))
        groups.setdefault(rule.group, []).append(finding)
    out = []
    for members in groups.values():
        members.sort(key=lambda f: (-SEVERITY_RANK[f.severity], not f.emergency, not f.new))
        top = members[0]
        out.append(Finding(top.rule_id, top.severity, top.evidence, top.explanation,
                           top.advice, top.group, top.emergency,
                           any(f.new for f in members), tuple(members[1:])))
    out.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id))
    return out


def _time_order(items: list, key: Callable, full_key: Callable) -> list:
    """Sort by time; only when two items share a time, by their content as well."""
    items.sort(key=key)
    if len({key(i) for i in items}) < len(items):
        items.sort(key=full_key)
    return items


def _show(value: Any) -> Any:
    return value if isinstance(value, bool | str) else str(value)


def _evidence(head: Evidence, unit: str | None, at: datetime, op: str, threshold: Any,
              **extra: Any) -> Evidence:
    if unit:
        head["unit"] = unit
    head["at"] = at.isoformat()
    head.update(extra)
    head.update(op=op, threshold=threshold)
    return head


def _reading_ev(r: Reading, op: str, cut_off: Decimal) -> Ev:
    return _evidence({"reading": r.type, "value": _show(r.value)}, r.unit, r.measured_at, op,
                     str(cut_off)), r.new


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(text: Text, facts: _Facts) -> Text:
    if "{" not in text.fr and "{" not in text.en:
        return text
    return Text(text.fr.format_map(facts), text.en.format_map(facts))


# --- checking and timing -----------------------------------------------------------------


def _shape(findings: Sequence[Finding]) -> list[tuple]:
    return [(f.rule_id, f.group, f.severity, tuple(r.rule_id for r in f.related))
            for f in findings]


def check(protocol: Protocol, data: PatientData, now: datetime) -> list[Finding]:
    """Both implementations agree on the protocol as shipped, with every input read
    whatever its age, and in UTC rather than Paris; and those three cases differ, so
    freshness and calendar days are exercised. Returns the engine's findings."""
    ageless = replace(protocol, max_age_hours={"default": Decimal(24 * 365)})
    cases = {"as shipped": (protocol, TIMEZONE), "no max ages": (ageless, TIMEZONE),
             "in UTC": (protocol, "UTC")}
    shapes = {}
    for name, (p, tz) in cases.items():
        engine = evaluate(p, data, now, timezone=tz)
        by_hand = hand_written(p, data, now, timezone=tz)
        if _shape(engine) != _shape(by_hand):
            raise SystemExit(f"implementations disagree ({name}):\n engine {_shape(engine)}\n "
                             f"hand   {_shape(by_hand)}")
        if [f.to_dict() for f in engine] != [f.to_dict() for f in by_hand]:
            diff = next((a, b) for a, b in zip(engine, by_hand, strict=True)
                        if a.to_dict() != b.to_dict())
            raise SystemExit(f"implementations disagree on a finding ({name}):\n "
                             f"engine {diff[0].to_dict()}\n hand   {diff[1].to_dict()}")
        shapes[name] = _shape(engine)
    if len({repr(s) for s in shapes.values()}) != len(shapes):
        raise SystemExit(f"the synthetic patient no longer exercises freshness and calendar "
                         f"days: {shapes}")
    return evaluate(protocol, data, now, timezone=TIMEZONE)


def _rate(fn: Callable[[], object], n: int) -> float:
    """Calls per second of this process's CPU time (steadier than wall time on a shared
    machine: time spent waiting for a core is not counted)."""
    start = time.process_time()
    for _ in range(n):
        fn()
    return n / (time.process_time() - start)


def measure(n: int = 2000, rounds: int = 3) -> tuple[float, float, str]:
    """Evaluations per second of the engine and of the hand-written rules (best of
    ``rounds`` alternating rounds after a warm-up), and a summary of the work (after
    checking that both give the same findings)."""
    protocol = load_content().protocols["colorectal-eras"][2]  # hand_written mirrors v2
    data, now = synthetic_patient()
    findings = check(protocol, data, now)
    groups = "; ".join(
        f"{f.group}: {f.rule_id}"
        + (f" (+ {', '.join(r.rule_id for r in f.related)})" if f.related else "")
        for f in findings)
    summary = (f"protocol {protocol.slug} v{protocol.version}: {len(protocol.all_rules())} "
               f"rules, {len(data.submissions)} submissions, {len(data.readings)} readings, "
               f"{len(data.tasks)} tasks, {TIMEZONE}; {len(findings)} findings: {groups}")

    def engine() -> object:
        return evaluate(protocol, data, now, timezone=TIMEZONE)

    def by_hand() -> object:
        return hand_written(protocol, data, now, TIMEZONE)

    _rate(engine, n // 4)
    _rate(by_hand, n // 4)
    engine_rate = hand_rate = 0.0
    for _ in range(rounds):
        engine_rate = max(engine_rate, _rate(engine, n))
        hand_rate = max(hand_rate, _rate(by_hand, n))
    return engine_rate, hand_rate, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="evaluations per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the best is kept)")
    args = parser.parse_args(argv)
    engine_rate, hand_rate, summary = measure(args.n, args.rounds)
    print(summary)
    print(f"engine:       {engine_rate:10.0f} evaluations/s (per second of CPU time)")
    print(f"hand-written: {hand_rate:10.0f} evaluations/s (per second of CPU time)")
    print(f"ratio:        {hand_rate / engine_rate:10.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
