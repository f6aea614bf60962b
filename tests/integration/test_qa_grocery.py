"""A stranger's questions, round 4 (qa13d), on a fourth organisation: "Koszyk" (koszyk), an online grocery delivery
company built by ``tests/fixtures/grocery_org/generate.py`` and imported through ``store.importers`` as a user would
(runbooks one Markdown file at a time).

Dark stores and fulfilment centres coded ``DS_0417`` / ``fc-n2`` with Polish names, ArgoCD deployments known by
their version, PagerDuty ids typed with a space, a page opened hours after its service moved, a burst of a rare
count, a slow drift. Numbers asserted are recomputed here with pandas from the generated files; questions go through
:class:`Assistant` with ``as_of`` pinned (Friday 2026-11-27; daily points end 2026-11-26).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.integration.qa_support import Thread, generated_org, org_assistant
from tests.integration.qa_support import first_line as _first_line
from tests.integration.qa_support import kpi_rows as _rows

GEN = Path(__file__).parents[1] / "fixtures" / "grocery_org" / "generate.py"
SLUG = "koszyk"
AS_OF = dt.date(2026, 11, 27)
CLOCK = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
KINDS = {"stations": "stations.json", "kpi-definitions": "kpi-definitions.json", "kpis": "kpis.csv",
         "services": "services.json", "metrics": "metrics.csv", "deployments": "deployments.json",
         "config-changes": "config-changes.json", "incidents": "incidents.jsonl", "tickets": "tickets.jsonl"}
D = dt.date
LW = (D(2026, 11, 16), D(2026, 11, 22))
TM = (D(2026, 11, 1), D(2026, 11, 26))


@pytest.fixture(scope="module")
def koszyk(pg_server, tmp_path_factory):
    with generated_org(pg_server, tmp_path_factory, GEN, "opsgraph_qa_grocery", SLUG, "Koszyk", KINDS) as o:
        yield o.target, o.org_id, o.kpis, o.sites


@pytest.fixture(scope="module")
async def assistant(koszyk, pg_server):
    async with org_assistant(koszyk[0], pg_server, CLOCK) as a:
        yield a


@pytest.fixture
def t(assistant, koszyk):
    return Thread(assistant, koszyk[1], AS_OF)


# ----------------------------------------------------------------- sites as people type them


async def test_numbered_site_codes_typed_with_a_space(t, koszyk):
    kpis = koszyk[2]
    a = await t.ask("compare north 2 with DS 417 on late deliveries last week")
    n2, ds = (float(_rows(kpis, "LATE_DELIV", [c], *LW).value.sum()) for c in ("fc-n2", "DS_0417"))
    assert f"FC-N2 (FC North 2 (Gdańsk)), 2026-11-16 to 2026-11-22: total {n2:,.0f} orders" in a, a
    assert f"DS_0417 (Łódź Widzew), 2026-11-16 to 2026-11-22: total {ds:,.0f} orders" in a, a
    assert "I don't know" not in a, a
    v = float(_rows(kpis, "FILL_RATE_PCT", ["DS_0422"], D(2026, 11, 12), D(2026, 11, 12)).value.iloc[0])
    a = await t.ask("fill rate at ds 422 on 12 nov")
    assert f"Order fill rate at DS_0422 (Łódź Bałuty) on 2026-11-12 was {v:.1f}%" in _first_line(a), a


async def test_an_unknown_site_code_is_named_as_typed(t):
    a = await t.ask("fill rate at DS_0999")
    assert "“DS_0999”" in a and "DS_0417" in a and "“DS”" not in a, a


async def test_a_typo_before_a_common_word(t, koszyk):
    v = float(_rows(koszyk[2], "FILL_RATE_PCT", ["DS_0422"], D(2026, 11, 26), D(2026, 11, 26)).value.iloc[0])
    a = await t.ask("fil rate at baluty yesterday")
    assert f"Order fill rate at DS_0422 (Łódź Bałuty) on 2026-11-26 was {v:.1f}%" in _first_line(a), a


async def test_a_city_two_sites_share_gets_attention_at_both(t):
    a = await t.ask("anything i should worry about in lodz")
    assert "stations DS_0417, DS_0422" in a and "Which one" not in a, a
    assert "Order fill rate at DS_0422 is critical" in a, a  # the planted fill-rate shift at Bałuty


async def test_a_kpi_the_site_does_not_report(t):
    a = await t.ask("substitution rate in katowice")
    assert "There is no Substitution rate data at FC-S1 (FC South 1 (Katowice))" in a and "DS_0417" in a, a


async def test_a_metric_it_does_not_have_named_with_a_service_word(t):
    a = await t.ask("basket abandonment rate at widzew")
    assert "abandonment rate" in a and "basket-svc" not in a and "error_rate" not in a, a


# ----------------------------------------------------------------- explanations


async def test_a_page_hours_after_the_service_moved_is_explained_from_the_service(t):
    a = await t.ask("what changed before the PD-88412 page")
    assert "slot_alloc_fail_ratio moved up at 2026-11-17 21:40 UTC, 9.5 h before PD-88412 began" in a, a
    assert re.search(r"Most likely cause for PD-88412 \(SlotEngine\): argocd-slot-1187 on SlotEngine \(confidence 0\.[5-9]", a), a
    a = await t.ask("draft the postmortem for PD-88412")
    assert re.search(r"The most likely cause is argocd-slot-1187 \(confidence 0\.[5-9]", a), a
    assert "(confidence 0.0" not in a, a


async def test_a_resolved_page_with_a_clear_cause_is_unchanged(t):
    a = await t.ask("payments gateway 5xx spiked on tuesday, what changed?")
    assert "Most likely cause for payments.gateway: argocd-pay-0412" in a and "rolled back 79 min later" in a, a


async def test_a_burst_of_a_rare_count_is_explained(t, koszyk):
    kpis = koszyk[2]
    burst = _rows(kpis, "COLD_BREACH", ["DS_0417"], D(2026, 11, 13), D(2026, 11, 26))
    first_day = burst[burst.value >= 3].date.min().date()
    a = await t.ask("why so many temperature excursions at DS_0417?")
    assert f"beyond the limits from {first_day}" in a and "a burst" in a, a
    assert "Most likely cause for COLD_BREACH at DS_0417 (Łódź Widzew): CFG-KZ-0093 on coldchain-mon" in a, a


async def test_a_slow_drift_is_described_not_dismissed(t, koszyk):
    kpis = koszyk[2]
    last = _rows(kpis, "PICKS_PLH", ["DS_0311"], D(2026, 11, 20), D(2026, 11, 26)).value.mean()
    first = _rows(kpis, "PICKS_PLH", ["DS_0311"], D(2026, 8, 29), D(2026, 9, 4)).value.mean()
    assert first - last > 15  # the planted drift
    a = await t.ask("why is uph dropping at podgorze")
    assert "drifting down steadily" in a and "no single change marks its start" in a, a


async def test_service_failures_that_jumped_are_explained_not_listed(t):
    a = await t.ask("slotengine alloc failures jumped, why")
    assert "Most likely cause for SlotEngine: argocd-slot-1187" in a and "incident(s) on SlotEngine" not in a, a


async def test_which_fc_is_worst_and_why(t, koszyk):
    kpis = koszyk[2]
    means = {c: float(_rows(kpis, "FILL_RATE_PCT", [c], *TM).value.mean()) for c in ("fc-n2", "fc-s1")}
    worst = min(means, key=means.get).upper()
    a = await t.ask("which fc is worst on fill rate this month and why")
    assert f"Why {worst} is the worst:" in a and "DS_04" not in a, a
    assert f"average {means['fc-n2']:.1f}%" in a and f"average {means['fc-s1']:.1f}%" in a, a
    # both centres run level (no planted change): the worse one is behind by its usual level, nothing is blamed
    assert "is in control on Order fill rate" in a and "Most likely cause" not in a, a


async def test_which_store_is_worst_and_why(t, koszyk):
    kpis = koszyk[2]
    means = _rows(kpis, "FILL_RATE_PCT", list(koszyk[3].code), *TM).groupby("station").value.mean()
    assert means.idxmin() == "DS_0422"
    a = await t.ask("which store is worst on fill rate this month and why")
    assert f"is DS_0422 (Łódź Bałuty) with {means.min():.1f}%" in a and "CFG-KZ-0088" in a, a


async def test_is_this_change_the_reason(t):
    a = await t.ask("was the STOCK_SYNC_INTERVAL_MIN change the reason fill rate dropped")
    assert "Most likely cause for FILL_RATE_PCT" in a and "CFG-KZ-0088 on basket-svc" in a, a
    assert "CFG-KZ-0088 ranks #1 of the changes before the onset" in a, a
    a = await t.ask("did the routing.max_drops change cause more lates at north 2?")  # 15 days before the shift
    assert "Most likely cause for LATE_DELIV at FC-N2 (FC North 2 (Gdańsk)): argocd-slot-1187" in a, a
    assert "CFG-KZ-0077 is not among the" in a and "so it is not a likely cause" in a, a


# ----------------------------------------------------------------- changes and incidents by what people type


async def test_a_deployment_by_its_version(t):
    a = await t.ask("who deployed 2026.11.3-rc1")
    assert "argocd-slot-1187" in a and "kacper" in a and "11.3 (" not in a, a
    a = await t.ask("was 2026.11.5 rolled back?")
    assert "argocd-pay-0412 deployed payments.gateway 2026.11.5" in a and "rolled back by argocd-pay-0413" in a, a


async def test_an_incident_id_typed_with_a_space(t):
    a = await t.ask("summarise pd 88207")
    assert "PD-88207" in a and "outside what I can answer" not in a, a


async def test_a_setting_in_words_without_the_word_config(t):
    a = await t.ask("who changed the stock sync interval")
    assert "STOCK_SYNC_INTERVAL_MIN (5 → 60)" in a and "by marta" in a, a


async def test_things_that_do_not_exist(t):
    a = await t.ask("what's the status of PD-99999")
    assert "I don't know an incident called “PD-99999”" in a, a
    a = await t.ask("deploys to checkout-svc this week")
    assert "I don't know a service called “checkout-svc”" in a and "SlotEngine" in a, a


# ----------------------------------------------------------------- values (already right: keep them)


async def test_values_ranks_and_a_thread(t, koszyk):
    kpis = koszyk[2]
    a = await t.ask("late deliveries at fc-n2 last week")
    assert f"the total is {_rows(kpis, 'LATE_DELIV', ['fc-n2'], *LW).value.sum():,.0f} orders" in _first_line(a), a
    a = await t.ask("and the week before?")
    wb = (D(2026, 11, 9), D(2026, 11, 15))
    assert f"(2026-11-09 to 2026-11-15): the total is {_rows(kpis, 'LATE_DELIV', ['fc-n2'], *wb).value.sum():,.0f}" in a, a
    a = await t.ask("same for widzew")
    assert "DS_0417" in _first_line(a) and f"the total is {_rows(kpis, 'LATE_DELIV', ['DS_0417'], *wb).value.sum():,.0f}" in a
    a = await t.ask("top 3 sites by late deliveries this month")
    tot = _rows(kpis, "LATE_DELIV", list(koszyk[3].code), *TM).groupby("station").value.sum().sort_values(ascending=False)
    assert "; ".join(f"{i}. {c.upper()} {v:,.0f} orders" for i, (c, v) in enumerate(tot.head(3).items(), 1)) in a, a
    a = await t.ask("which site has the biggest returns backlog right now")
    last = kpis[(kpis.kpi == "RETURNS_OPEN") & (kpis.date == kpis.date.max())].set_index("station").value
    assert f"is {last.idxmax().upper()} " in a and "latest value" in a, a


async def test_paged_severity_day_pairs_and_the_worst_day(t, koszyk):
    kpis = koszyk[2]
    a = await t.ask("any open P1s?")  # PD-88390 (P1) is resolved; PD-88412 (P2) is open
    assert re.search(r"No( — no)? open or mitigated sev1 incidents", a) and "outside what I can answer" not in a, a
    a = await t.ask("lates at widzew yesterday vs the day before")
    two = _rows(kpis, "LATE_DELIV", ["DS_0417"], D(2026, 11, 25), D(2026, 11, 26)).set_index("date").value
    # each day side by side with the difference (was: the two days listed under one total over both)
    assert (f"total {two[pd.Timestamp('2026-11-26')]:,.0f} orders 2026-11-26 vs {two[pd.Timestamp('2026-11-25')]:,.0f} "
            "orders 2026-11-25") in a, a
    month = _rows(kpis, "LATE_DELIV", ["fc-n2"], *TM).set_index("date").value
    a = await t.ask("what was the worst day for late deliveries at north 2 this month")
    assert f"The worst day was {month.idxmax().date()} with {month.max():,.0f} orders" in a, a


async def test_the_postmortem_in_a_thread_about_a_service_is_its_incident(t):
    await t.ask("what's going on with slot engine")
    a = await t.ask("draft the postmortem")
    assert "Incident report: PD-88412" in a and "Which incident" not in a, a
