"""The evaluation cases: strict schema, coverage, and every reference resolving against the demo manifest."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from evals.models import CASES_DIR, SPECIALISTS, CaseFileError, load_cases
from evals.refs import Resolver
from tests.conftest import DEMO_ANCHOR


@pytest.fixture(scope="module")
def cases():
    return load_cases()


@pytest.fixture(scope="module")
def manifest():
    from demo import generate_demo

    return generate_demo(seed=7, anchor=DEMO_ANCHOR).manifest


def test_at_least_100_cases_with_unique_ids(cases):
    assert len(cases) >= 100
    keys = [c.key for c in cases]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"\d{3}_[a-z0-9_]+", c.id) for c in cases)


def test_every_specialist_and_every_kind_of_case_is_covered(cases):
    routed = Counter(s for c in cases for s in (c.expect.route or []))
    for name in SPECIALISTS:
        assert routed[name] >= 5, f"too few cases route to {name}"
    assert sum(1 for c in cases if len(c.expect.route or []) >= 2) >= 5, "multi-specialist investigations"
    tags = Counter(t for c in cases for t in c.tags)
    for tag, least in {"easy": 10, "medium": 10, "hard": 5, "injection": 8, "follow-up": 8, "out-of-scope": 8,
                       "unknown-entity": 8, "multi-specialist": 5, "paraphrase": 5}.items():
        assert tags[tag] >= least, f"{tag}: {tags[tag]} case(s)"
    assert sum(1 for c in cases if c.turns) >= 8, "multi-turn cases"
    assert sum(1 for c in cases if len(c.questions) > 1) >= 5, "cases with paraphrase variants"
    assert sum(1 for c in cases if c.rubric) >= 10, "cases with a judge rubric"


def test_injections_are_planted_in_tickets_runbooks_and_commits(cases):
    text = "\n".join(p.read_text() for p in (CASES_DIR / "injection").glob("*.yaml"))
    assert "injections[0].id" in text and "injections[1].id" in text and "injections[2].id" in text  # tickets
    assert "injection('runbook')" in text
    assert "injection('commit')" in text


async def test_every_reference_resolves_against_the_demo_manifest(cases, manifest):
    resolver = Resolver(manifest, dry_run=True)
    for case in cases:
        rc = await resolver.resolve(case)
        assert rc.error is None, f"{case.key}: {rc.error}"
        for q in rc.questions + rc.turns:
            assert "{{" not in q and "}}" not in q, case.key
        for f in rc.facts:
            assert f.value not in (None, ""), f"{case.key}: empty expected value"
    # The expectations come from the manifest, not from the case files.
    head = next(c for c in cases if c.key == "investigations/001_headline_why")
    rc = await resolver.resolve(head)
    assert rc.questions[0] == manifest["headline"]["question"]
    assert any(f.kind == "top_hypothesis" and f.value == manifest["headline"]["cause"]["external_id"] for f in rc.facts)


def _write(tmp_path: Path, body: str, name: str = "001_x.yaml") -> Path:
    d = tmp_path / "suite"
    d.mkdir(exist_ok=True)
    (d / name).write_text(body)
    return tmp_path


GOOD = """
description: ok
question: "How is OTP MX rate at PHX?"
tags: [easy, kpi]
expect:
  route: [kpi_analyst]
"""


def test_a_valid_case_loads(tmp_path):
    [case] = load_cases(_write(tmp_path, GOOD))
    assert case.key == "suite/001_x" and case.questions == ["How is OTP MX rate at PHX?"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD + "  colour: blue\n", "Extra inputs are not permitted"),
        (GOOD + "owner: me\n", "Extra inputs are not permitted"),
        (GOOD.replace("[easy, kpi]", "[kpi]"), "exactly one difficulty tag"),
        (GOOD.replace("[easy, kpi]", "[easy, kpi, shiny]"), "unknown tag"),
        (GOOD.replace("[kpi_analyst]", "[weather_bot]"), "unknown specialist"),
        (GOOD + "  facts:\n    - kind: number\n      value: 1\n      pattern: '(unclosed'\n", "pattern"),
        (GOOD + "  must_not:\n    - {text: a, pattern: b}\n", "exactly one of"),
        ("- just a list\n", "a case is a mapping"),
    ],
)
def test_bad_cases_are_rejected_with_the_file_named(tmp_path, body, message):
    root = _write(tmp_path, body)
    with pytest.raises(CaseFileError) as exc:
        load_cases(root)
    assert "001_x.yaml" in str(exc.value) and message in str(exc.value)


def test_bad_file_names_and_filters_are_rejected(tmp_path):
    with pytest.raises(CaseFileError, match="NNN_name"):
        load_cases(_write(tmp_path, GOOD, name="Case One.yaml"))
    with pytest.raises(CaseFileError, match="unknown suite"):
        load_cases(suites=["nope"])
    with pytest.raises(CaseFileError, match="unknown tag"):
        load_cases(tags=["nope"])


async def test_unresolvable_references_fail_the_case_not_the_run(tmp_path, manifest):
    body = GOOD + """  top_hypothesis: {from_manifest: "incidents[0].cuase.external_id"}
  facts:
    - kind: number
      value: {computed: no_such_hook}
"""
    [case] = load_cases(_write(tmp_path, body))
    rc = await Resolver(manifest, dry_run=True).resolve(case)
    assert rc.error and "cuase" in rc.error and "no_such_hook" in rc.error
