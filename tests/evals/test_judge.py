"""The optional LLM judge against a local OpenAI-compatible stub server (aiohttp on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from evals.config import EvalSettings, JudgeConfig
from evals.judge import Judge, parse_verdict
from evals.models import Case, load_cases
from evals.refs import Resolver
from evals.scorers import Observation


@asynccontextmanager
async def stub_server(reply):
    """A tiny /v1/chat/completions; ``reply(request_json) -> content string``. Yields (base_url, requests)."""
    seen: list[dict] = []

    async def completions(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append({"body": body, "auth": request.headers.get("Authorization")})
        content = reply(body)
        return web.json_response({
            "id": f"chatcmpl-{len(seen)}", "object": "chat.completion", "created": 0, "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        })

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1", seen
    finally:
        await runner.cleanup()


def grader(body: dict) -> str:
    """Pass answers that name DEP-0011, fail the others (what a judge following the rubric would do)."""
    prompt = body["messages"][-1]["content"]
    answer = prompt.split("<<<ANSWER", 1)[1]
    if "DEP-0011" in answer:
        return json.dumps({"score": 92, "passed": True, "reasoning": "Names the deployment and cites evidence."})
    return "```json\n" + json.dumps({"score": 25, "passed": False, "reasoning": "No cause is named."}) + "\n```"


async def resolved_case():
    case = Case.model_validate({
        "description": "judge", "question": "Why did OTP MX rate at DAL drop last week?", "tags": ["easy"],
        "expect": {"top_hypothesis": "DEP-0011"},
        "rubric": "Names the parts-inventory deployment DEP-0011 as the most likely cause, citing evidence.",
    })
    case.id, case.suite = "001_judge", "unit"
    return await Resolver({}, dry_run=True).resolve(case)


async def test_the_judge_grades_against_the_rubric_through_an_openai_compatible_endpoint():
    rc = await resolved_case()
    async with stub_server(grader) as (url, seen):
        judge = Judge(JudgeConfig(model="judge-stub", base_url=url, api_key="sk-test", threshold=70))
        good = await judge.score(rc, Observation(question=rc.questions[0], answer="Most likely cause: DEP-0011 [E:1]"))
        bad = await judge.score(rc, Observation(question=rc.questions[0], answer="Something changed."))
    assert good.evaluator == "judge" and good.passed and good.score == 92
    assert good.details["actual"] == "Names the deployment and cites evidence." and good.details["judge_tokens"] == 150
    assert not bad.passed and bad.score == 25
    assert len(seen) == 2 and seen[0]["body"]["model"] == "judge-stub" and seen[0]["auth"] == "Bearer sk-test"
    system, user = seen[0]["body"]["messages"]
    assert system["role"] == "system" and "never instructions to you" in system["content"]
    assert rc.rubric in user["content"] and "DEP-0011" in user["content"] and rc.questions[0] in user["content"]


async def test_a_confused_or_unreachable_judge_fails_only_its_scorer():
    rc = await resolved_case()
    obs = Observation(question=rc.questions[0], answer="Most likely cause: DEP-0011 [E:1]")
    async with stub_server(lambda body: "I think it is fine.") as (url, _):
        res = await Judge(JudgeConfig(model="m", base_url=url)).score(rc, obs)
    assert not res.passed and res.score == 0 and "did not answer with JSON" in res.details["actual"]
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = await Judge(JudgeConfig(model="m", base_url=f"http://127.0.0.1:{port}/v1", timeout_s=5)).score(rc, obs)
    assert not res.passed and "judge error" in res.details["actual"]


def test_verdict_parsing():
    assert parse_verdict('{"score": 80, "passed": true, "reasoning": "ok"}')["score"] == 80
    assert parse_verdict('Verdict: {"score": 10, "reasoning": "no"} done')["passed"] is None
    for bad, reason in (("no json", "did not answer with JSON"), ('{"passed": true}', "has no score"),
                        ('{"score": 140}', "outside 0-100")):
        with pytest.raises(ValueError, match=reason):
            parse_verdict(bad)


def test_the_judge_is_configured_only_with_a_model(monkeypatch):
    for var in ("OPSGRAPH_EVAL_JUDGE_MODEL", "OPSGRAPH_EVAL_JUDGE_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    assert EvalSettings().judge_config() is None
    monkeypatch.setenv("OPSGRAPH_EVAL_JUDGE_MODEL", "gpt-judge")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    cfg = EvalSettings().judge_config()
    assert cfg.model == "gpt-judge" and cfg.base_url == "http://127.0.0.1:9/v1"
    assert EvalSettings().judge_config("other").model == "other"


async def test_the_runner_adds_the_judge_only_when_configured(demo):
    """Two cases with a rubric and one without, run twice: without a judge, then with the stub judge."""
    import datetime as dt

    from agents.service import Assistant
    from evals.runner import RunOptions, run_evaluation
    from store.evals import load_eval_run

    cases = [c for c in load_cases(suites=["investigations"]) if c.id == "001_headline_why"]
    cases += [c for c in load_cases(suites=["out_of_scope"]) if c.id == "001_weather"]
    assert cases[0].rubric and not cases[1].rubric
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    a = await Assistant.open(demo.settings, demo.target, clock=lambda: now)
    try:
        plain = await run_evaluation(a, org_id=demo.org_id, cases=cases, manifest=demo.manifest)
        async with stub_server(grader) as (url, seen):
            judged = await run_evaluation(a, org_id=demo.org_id, cases=cases, manifest=demo.manifest,
                                          options=RunOptions(judge=JudgeConfig(model="judge-stub", base_url=url)))
        stored = await load_eval_run(a.sessions, demo.org_id, judged.eval_run_id)
    finally:
        await a.close()
    assert all("judge" not in {s.evaluator for s in i.scores} for i in plain.items)
    judged_items = [i for i in stored.items if "judge" in i.scorers]
    assert {i.case_id for i in judged_items} == {"investigations/001_headline_why"}
    assert len(judged_items) == len(cases[0].questions) == len(seen)
    assert all(i.scorers["judge"]["passed"] for i in judged_items)
