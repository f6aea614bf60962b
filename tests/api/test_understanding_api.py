"""The plan through HTTP: `as_of` on POST /api/chat pins "now"; the coordinator's step and its
`agent.completed` event show the plan."""

from __future__ import annotations

from tests.api.test_routes import chat, is_error


async def test_as_of_pins_now_and_the_plan_is_on_the_step_and_the_event(client, keys, api_demo):
    run_id, _, events = await chat(client, keys, "otp mx rate at dallas yesterday", as_of="2026-11-04")
    run = (await client.get(f"/api/runs/{run_id}", headers=keys.h("viewer"))).json()
    coord = next(s for s in run["steps"] if s["agent"] == "coordinator")
    query = coord["output"]["query"]
    assert query["operation"] == "lookup" and query["kpis"] == ["OTP_MX_RATE"]
    assert query["subjects"]["scopes"][0]["code"] == "DAL"
    assert query["window"]["start"] == query["window"]["end"] == "2026-11-03"
    done = next(e for e in events if e.event == "agent.completed" and e.data["agent"] == "coordinator")
    assert done.data["summary"].startswith("lookup · OTP_MX_RATE · DAL · yesterday (2026-11-03–2026-11-03")
    assert run["tool_calls"][0]["arguments"]["station"] == "DAL"


async def test_as_of_must_be_a_date(client, keys):
    h = keys.h("member")
    is_error(await client.post("/api/chat", json={"message": "hi", "as_of": "last tuesday"}, headers=h), 422, "as_of")
