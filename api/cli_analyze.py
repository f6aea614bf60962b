"""``opsgraph analyze``: Wheeler XmR stages and signals for any CSV series, printed as tables or JSON, without
importing it into an organisation."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table


def analyze(
    file: Annotated[Path, typer.Argument(help="CSV with a date/timestamp column and a value column.")],
    column: Annotated[str | None, typer.Option(help="Value column (default: the first numeric one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stages and signals as JSON.")] = False,
    higher_is_better: Annotated[
        bool | None, typer.Option("--higher-is-better/--lower-is-better", help="Which direction is good.")
    ] = None,
    filter_: Annotated[list[str] | None, typer.Option(
        "--filter", help="Keep rows where COLUMN=VALUE (repeatable), e.g. one station of a multi-station CSV.")] = None,
    variability: Annotated[bool, typer.Option(
        "--variability", help="Also open a stage where the point-to-point variation changes abruptly "
        "(kind 'dispersion'; off by default).")] = False,
    learned_stages: Annotated[bool, typer.Option(
        "--learned-stages/--hand-set-stages", help="Decide the stage boundaries with the model fitted on "
        "chart-judged series, or with the hand-set re-validation alone (the default).")] = False,
) -> None:
    """Wheeler XmR with stage detection and signals for any series, without importing it."""
    from api.cli import _fail, console
    from tools.control_limits import analysis
    from tools.control_limits.csvio import analyze_csv

    if variability:
        analysis.DISPERSION_BREAKS = True  # this process analyses one file and exits
    analysis.LEARNED_ACCEPT = learned_stages  # this process analyses one file and exits

    filters: dict[str, str] = {}
    for item in filter_ or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise _fail(f"--filter {item!r}: use COLUMN=VALUE")
        filters[key.strip()] = value
    try:
        result = analyze_csv(file, column, higher_is_better=higher_is_better, filters=filters or None)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if result["stages"] and not any(s.get("n") for s in result["stages"]):  # every value NaN / inf / 1e400
        raise _fail(f"{file}: the value column holds no finite numbers (NaN, inf or out of range); nothing to analyse")
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
        return
    stages = Table("stage", "start", "from", "end", "centre", "LCL", "UCL", "confirmed by", title="Stages")
    for i, s in enumerate(result["stages"], start=1):
        stages.add_row(
            str(i), str(s["start"]), str(s.get("start_date", "")), str(s["end"]), f"{s['cl']:.4g}",
            f"{s['lcl']:.4g}", f"{s['ucl']:.4g}", str(s.get("confirmed_by") or "—"),
        )
    console.print(stages)
    turns = [str(i) for i, s in enumerate(result["stages"], start=1) if s.get("kind") == "trend"]
    if turns:
        console.print(f"Stage {', '.join(turns)}: the trend turned there (a change of direction or slope, not a step).")
    wider = [str(i) for i, s in enumerate(result["stages"], start=1) if s.get("kind") == "dispersion"]
    if wider:
        console.print(f"Stage {', '.join(wider)}: the variability changed there (the moving ranges, not the centre).")
    if result.get("seasonal_period"):
        console.print(f"A cycle repeating every {result['seasonal_period']} points was taken out before the stages "
                      "were searched; the limits are on the values as they are.")
    if not result["signals"]:
        console.print("No signals: the series is predictable within each stage.")
        return
    signals = Table("index", "date", "value", "rule", "state", title="Signals")
    for s in result["signals"]:
        style = {"critical": "bold red", "warning": "yellow"}.get(s["state"], "")
        signals.add_row(
            str(s["index"]), str(s.get("date", "")), f"{s.get('value', float('nan')):.4g}", s["rule"],
            f"[{style}]{s['state']}[/]" if style else s["state"],
        )
    console.print(signals)
