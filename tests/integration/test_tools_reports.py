"""Reports cite only evidence that exists; the XmR chart carries what a reader needs."""

from __future__ import annotations

import psycopg
import pytest

from store.db import make_async_engine, make_sessionmaker
from store.evidence import get_evidence, insert_evidence
from tools.base import ToolContext
from tools.incidents import get_incident
from tools.kpis import kpi_series
from tools.reports import check_citations, compose_report, extract_citations


@pytest.fixture
async def ctx(demo):
    engine = make_async_engine(demo.target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=demo.org_id)
    await engine.dispose()


async def _store(ctx, outputs):
    drafts = [d for o in outputs for d in o.evidence]
    vecs = ctx.embedder.embed([d.summary for d in drafts])
    async with ctx.sessions() as s, s.begin():
        return await insert_evidence(s, ctx.org_id, drafts, vecs)


async def _gather(ctx, demo):
    outputs = [await get_incident(ctx, incident=demo.manifest["incidents"][0]["external_id"])]
    outputs.append(await kpi_series(ctx, kpi="OTP_MX_RATE", station="DAL", chart=False))
    try:  # the change correlator, when present, adds ranked hypotheses
        from tools.changes import correlate_changes

        outputs.append(await correlate_changes(ctx, incident=demo.manifest["incidents"][0]["external_id"]))
    except ImportError:
        pass
    return await _store(ctx, outputs)


async def test_every_citation_in_a_report_exists_in_the_database(ctx, demo):
    records = await _gather(ctx, demo)
    report = compose_report(kind="incident", title="Incident report", evidence=records)
    cited = extract_citations(report.markdown)
    assert cited and set(cited) == set(report.evidence_ids)
    with psycopg.connect(demo.target.conninfo) as conn:
        found = {r[0] for r in conn.execute("SELECT id FROM evidence WHERE id = ANY(%s) AND org_id = %s", (cited, demo.org_id))}
    assert found == set(cited)
    async with ctx.sessions() as s:
        assert [e.id for e in await get_evidence(s, ctx.org_id, cited)] == cited
    for heading in ("## Summary", "## Impact", "## Timeline", "## Signals", "## Ranked hypotheses",
                    "## Recommended actions", "## Open questions"):
        assert heading in report.markdown


async def test_factual_lines_carry_citations(ctx, demo):
    records = await _gather(ctx, demo)
    md = compose_report(kind="incident", title="t", evidence=records).markdown
    section = None
    for line in md.splitlines():
        if line.startswith("## "):
            section = line[3:]
            continue
        if section in ("Impact", "Timeline", "Signals") and line.startswith("- ") and "No " not in line[:6]:
            assert "[E:" in line, line


def test_check_citations_catches_unknown_ids():
    assert check_citations("a [E:1] b [E:2] c [E:1]", [1, 2]) == []
    assert check_citations("a [E:1] b [E:99]", [1, 2]) == [99]
    assert extract_citations("x [E:3] y [E:1] z [E:3]") == [3, 1]


async def test_other_orgs_evidence_is_invisible(ctx, demo):
    records = await _gather(ctx, demo)
    async with ctx.sessions() as s:
        assert await get_evidence(s, ctx.org_id + 10_000, [r.id for r in records]) == []


async def test_xmr_chart_has_limits_quartiles_signals_and_boundaries(ctx):
    s = (await kpi_series(ctx, kpi="OTP_MX_RATE", station="DAL")).result
    names = [t["name"] for t in s.chart["data"]]
    for expected in ("value", "centre", "upper limit", "lower limit", "upper quartile line", "lower quartile line"):
        assert expected in names
    assert s.chart["layout"]["shapes"], "a stage boundary is drawn inside the window"
    if s.signals:
        assert any(n.endswith("signal") for n in names)


async def test_chart_is_a_valid_plotly_figure(ctx):
    import plotly.graph_objects as go

    s = (await kpi_series(ctx, kpi="OTP_MX_RATE", station="DAL")).result
    fig = go.Figure(s.chart)  # raises on any property plotly does not know
    assert len(fig.data) >= 6
