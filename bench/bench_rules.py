"""Rule engine benchmark: the shipped colorectal-eras protocol vs the same rules by hand.

Run on demand (not part of the test suite)::

    python -m bench.bench_rules [--n 2000]

One synthetic patient, 14 days of data (a daily-postop check and a set of vital signs
every day, QoR-15 on days 1, 3, 7, tasks for each), generated from a fixed seed so
every run measures the same work. Both implementations produce ``Finding`` objects
with evidence and filled-in explanations; the script checks they fire the same rules
before timing them.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rules.evaluator import evaluate
from rules.loader import load_content
from rules.model import Finding, PatientData, Reading, Submission, TaskRecord, Text
from rules.protocol import Protocol
from rules.scores import news2_from_readings, score_submission

SEED = 20261123
SURGERY = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # 10:00 in Paris, winter time
DAYS = 14


def synthetic_patient(seed: int = SEED) -> tuple[PatientData, datetime]:
    """14 days of plausible recovery with a late complication (fever, pain, ileus)."""
    rng = random.Random(seed)
    submissions, readings, tasks = [], [], []
    for day in range(1, DAYS + 1):
        worse = day >= 12  # the last days go wrong, so that rules fire
        at = SURGERY + timedelta(days=day, minutes=rng.randint(0, 90))
        pain = rng.randint(7, 9) if worse else max(0, 6 - day // 2 + rng.randint(-1, 1))
        answers = {
            "pain_now": Decimal(pain), "pain_worst_24h": Decimal(min(10, pain + 1)),
            "wound_redness": worse, "wound_bleeding": False, "wound_opening": False,
            "wound_discharge": rng.choice(["cloudy_or_pus", "clear"]) if worse else "none",
            "nausea": "vomiting" if worse else rng.choice(["none", "none", "nausea"]),
            "eating_drinking": "reduced" if worse else "normal",
            "urination": "normal", "stools": "none_since_surgery" if worse else "normal",
            "walking": "as_usual", "breathlessness": "none", "calf_pain": False,
        }
        submissions.append(Submission("daily-postop", at, answers))
        vitals_at = at - timedelta(hours=1)
        temperature = Decimal(f"{38.6 + rng.random():.1f}") if worse else \
            Decimal(f"{36.4 + rng.random():.1f}")
        for rtype, value, unit in (
            ("temperature", temperature, "Cel"),
            ("heart_rate", Decimal(rng.randint(95, 115) if worse else rng.randint(60, 85)),
             "/min"),
            ("respiratory_rate", Decimal(rng.randint(14, 22)), "/min"),
            ("systolic_bp", Decimal(rng.randint(100, 135)), "mm[Hg]"),
            ("spo2", Decimal(rng.randint(94, 99)), "%"),
            ("supplemental_oxygen", False, ""),
            ("consciousness", "A", ""),
        ):
            readings.append(Reading(rtype, value, unit, vitals_at))
        if day in (1, 3, 7):
            qor = {f"q{i}": Decimal(rng.randint(5, 10)) for i in range(1, 11)}
            qor.update({f"q{i}": Decimal(rng.randint(0, 5)) for i in range(11, 16)})
            submissions.append(Submission("qor-15", at + timedelta(minutes=5), qor))
        tasks.append(TaskRecord(f"daily-postop@d{day}", "daily-postop", None,
                                SURGERY + timedelta(days=day), at))
        tasks.append(TaskRecord(f"vitals@d{day}", "vitals", None,
                                SURGERY + timedelta(days=day, hours=-1),
                                vitals_at if day != DAYS else None))
    now = SURGERY + timedelta(days=DAYS, hours=5)
    rng.shuffle(submissions)  # the backend's order is not guaranteed
    rng.shuffle(readings)
    return PatientData(submissions, readings, tasks), now


# --- the same rules, written by hand ---------------------------------------------------


def hand_written(protocol: Protocol, data: PatientData, now: datetime) -> list[Finding]:
    """colorectal-eras rules as straight-line Python over the same data."""
    rules = {r.id: r for r in protocol.rules}
    daily = sorted((s for s in data.submissions
                    if s.questionnaire == "daily-postop" and s.submitted_at <= now),
                   key=lambda s: s.submitted_at)
    qor = sorted((s for s in data.submissions
                  if s.questionnaire == "qor-15" and s.submitted_at <= now),
                 key=lambda s: s.submitted_at)
    readings = sorted((r for r in data.readings if r.measured_at <= now),
                      key=lambda r: (r.measured_at, r.type, str(r.value)))
    latest: dict[str, Reading] = {}
    for r in readings:
        latest[r.type] = r
    out: list[Finding] = []

    def fire(rule_id: str, evidence: list[dict], **facts: object) -> None:
        rule = rules[rule_id]
        out.append(Finding(rule_id, rule.severity, tuple(evidence),  # type: ignore[arg-type]
                           Text(rule.explanation.fr.format_map(_Blank(facts)),
                                rule.explanation.en.format_map(_Blank(facts))),
                           rule.advice))

    temp = latest.get("temperature")
    t = temp.value if temp is not None else None
    a = daily[-1].answers if daily else {}
    at = daily[-1].submitted_at.isoformat() if daily else ""
    wound = a.get("wound_redness") is True or a.get("wound_discharge") == "cloudy_or_pus"
    if t is not None and (t >= Decimal("39.0") or (t >= Decimal("38.5") and wound)):
        fire("fever-high", [{"reading": "temperature", "value": str(t), "at": at}],
             value=t, threshold="39.0")
    if t is not None and t >= Decimal("38.5"):
        fire("fever", [{"reading": "temperature", "value": str(t)}], value=t, threshold="38.5")
    if len(daily) >= 2 and all(s.answers["pain_now"] >= 7 for s in daily[-2:]):
        fire("pain-severe-persistent", [{"answer": "pain_now", "value": str(s.answers["pain_now"])}
                                        for s in daily[-2:]],
             value=a["pain_now"], threshold=7, count=2)
    checks = [
        ("pain-maximal", a.get("pain_now") is not None and a["pain_now"] >= 10, "pain_now"),
        ("wound-bleeding", a.get("wound_bleeding") is True, "wound_bleeding"),
        ("wound-opening", a.get("wound_opening") is True, "wound_opening"),
        ("wound-pus", a.get("wound_discharge") == "cloudy_or_pus", "wound_discharge"),
        ("wound-redness", a.get("wound_redness") is True, "wound_redness"),
        ("calf-pain", a.get("calf_pain") is True, "calf_pain"),
        ("breathless-at-rest", a.get("breathlessness") == "at_rest", "breathlessness"),
        ("vomiting-unable-to-drink",
         a.get("nausea") == "vomiting" and a.get("eating_drinking") == "unable", "nausea"),
        ("no-urine-12h", a.get("urination") == "none_12h", "urination"),
        ("ileus-suspected",
         a.get("nausea") == "vomiting" and a.get("stools") == "none_since_surgery", "nausea"),
    ]
    for rule_id, fired, link_id in checks:
        if fired:
            fire(rule_id, [{"answer": link_id, "value": str(a[link_id]), "at": at}],
                 value=a[link_id])
    if t is not None and t > Decimal("38.0") and (
        a.get("pain_now", 0) >= 7 or a.get("nausea") == "vomiting"
        or a.get("stools") == "none_since_surgery"
    ):
        fire("anastomotic-leak-signs", [{"reading": "temperature", "value": str(t)}],
             value=t, threshold="38.0")
    if qor:
        try:
            total = score_submission(protocol.questionnaires["qor-15"], qor[-1].answers)["qor15"]
        except ValueError:
            total = None
        if total is not None and total.total < 90:
            fire("qor15-poor", [{"score": "qor15.total", "value": total.total}],
                 value=total.total, threshold=90)
    times = sorted({r.measured_at for r in readings if r.type in _NEWS2})
    news2 = news2_from_readings(readings, times[-1], 1) if times else None
    if news2 is not None:
        ev = [{"score": "news2.total", "value": news2.total, "items": dict(news2.items)}]
        if news2.total >= 7:
            fire("news2-high", ev, value=news2.total, threshold=7)
        if 5 <= news2.total <= 6:
            fire("news2-medium", ev, value=news2.total, threshold="5–6")
        if news2.band == "low-medium":
            fire("news2-single-red", ev, value=news2.band)
    sbp = latest.get("systolic_bp")
    if sbp is not None and sbp.value < 90:
        fire("systolic-low", [{"reading": "systolic_bp", "value": str(sbp.value)}],
             value=sbp.value, threshold=90)
    for slug, hours, rule_id in (("daily-postop", 2, "daily-check-missing"),
                                 ("vitals", 3, "vitals-missing")):
        overdue = [k for k in data.tasks if k.questionnaire == slug
                   and k.due_at + timedelta(hours=hours) <= now]
        if overdue:
            task = max(overdue, key=lambda k: (k.due_at, k.key))
            if task.answered_at is None or task.answered_at > now:
                fire(rule_id, [{"task": task.key, "due_at": task.due_at.isoformat()}],
                     hours=hours, due_at=task.due_at.isoformat())
    out.sort(key=lambda f: ({"high": 0, "medium": 1, "low": 2}[f.severity], f.rule_id))
    return out


_NEWS2 = frozenset({"respiratory_rate", "spo2", "supplemental_oxygen", "systolic_bp",
                    "heart_rate", "consciousness", "temperature"})


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _rate(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def measure(n: int = 2000) -> tuple[float, float, str]:
    """Evaluations per second of the engine and of the hand-written rules, and a summary
    of the work (after checking that both fire the same rules)."""
    protocol = load_content().protocols["colorectal-eras"][1]  # hand_written mirrors this one
    data, now = synthetic_patient()
    engine = evaluate(protocol, data, now)
    by_hand = hand_written(protocol, data, now)
    fired = [f.rule_id for f in engine]
    if fired != [f.rule_id for f in by_hand]:
        raise SystemExit(f"implementations disagree:\n engine {fired}\n "
                         f"hand   {[f.rule_id for f in by_hand]}")
    summary = (f"protocol {protocol.slug} v{protocol.version}: {len(protocol.all_rules())} "
               f"rules, {len(data.submissions)} submissions, {len(data.readings)} readings, "
               f"{len(data.tasks)} tasks; {len(engine)} findings: {', '.join(fired)}")
    for _ in range(2):  # warm-up, then the measured round (best of the two)
        engine_rate = _rate(lambda: evaluate(protocol, data, now), n)
        hand_rate = _rate(lambda: hand_written(protocol, data, now), n)
    return engine_rate, hand_rate, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="evaluations per implementation")
    args = parser.parse_args(argv)
    engine_rate, hand_rate, summary = measure(args.n)
    print(summary)
    print(f"engine:       {engine_rate:10.0f} evaluations/s")
    print(f"hand-written: {hand_rate:10.0f} evaluations/s")
    print(f"ratio:        {hand_rate / engine_rate:10.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
