"""The specialists. Each is ``async def run(state, deps) -> state update`` and records one step."""

from agents.specialists import change_correlator, kpi_analyst, report_writer, ticket_triager

SPECIALISTS = {
    "kpi_analyst": kpi_analyst,
    "change_correlator": change_correlator,
    "ticket_triager": ticket_triager,
    "report_writer": report_writer,
}
