"""The clinical scenario suite: every patient history of scenarios/ played through the
rules engine, and those marked ``http`` through the real API as well."""

from collections import Counter

import pytest

from backend import job_runtime as runtime
from tests.clinical.engine_runner import EngineRun
from tests.clinical.http_runner import HttpRun
from tests.clinical.scenario import check, load, peek, scenario_name, scenario_paths

PATHS = scenario_paths()
PROTOCOLS = ("ambulatory-general", "colorectal-eras", "heart-failure", "hip-knee-arthroplasty")


def params(paths):
    """One pytest param per file; ``xfail: <why>`` marks a known disagreement (strict: the
    day the behaviour changes, the scenario must be updated)."""
    out = []
    for path in paths:
        reason = peek(path).get("xfail")
        marks = ([pytest.mark.xfail(reason=reason, strict=True, raises=AssertionError)]
                 if reason else [])
        out.append(pytest.param(path, marks=marks, id=scenario_name(path)))
    return out


def play(scenario, runner) -> None:
    for step in scenario.steps:
        check(scenario, step, runner.play(step))


@pytest.mark.parametrize("path", params(PATHS))
def test_engine(path):
    scenario = load(path)
    play(scenario, EngineRun(scenario))


@pytest.mark.parametrize("path", params([p for p in PATHS if peek(p).get("http")]))
def test_http(path, world, monkeypatch):
    monkeypatch.setattr(runtime, "_app", world.app)  # the jobs run in this test's app
    scenario = load(path)
    play(scenario, HttpRun(world, scenario))


@pytest.mark.parametrize("path", PATHS, ids=scenario_name)
def test_every_file_is_a_valid_scenario(path):
    """A reason, a known protocol, steps in order with their expectations (see load)."""
    scenario = load(path)
    assert scenario.why and scenario.steps


def test_enough_histories_over_every_protocol():
    assert len(PATHS) >= 60
    assert sum(bool(peek(p).get("http")) for p in PATHS) >= 20
    per_protocol = Counter(p.parent.name for p in PATHS)
    assert set(per_protocol) == set(PROTOCOLS), per_protocol
    assert min(per_protocol.values()) >= 8, per_protocol
