"""Benchmark: change correlation and onsets on REAL service telemetry (NAB).

The Numenta Anomaly Benchmark (NAB, Lavin & Ahmad 2015) holds real AWS
CloudWatch series (EC2/RDS CPU, network in, disk writes, ELB request counts)
and "known cause" series (an EC2 request-latency system failure, a CPU
auto-scaling-group misconfiguration, a machine temperature failure), each with
labelled anomaly windows (``labels/combined_windows.json``; a window is centred
on the labelled anomaly in ``labels/combined_labels.json``).  NAB is AGPL: none
of its values are committed here and it is never downloaded at run time — point
``--nab`` (or ``$NAB_DIR``) at a clone of ``github.com/numenta/NAB`` (a working
tree, or a bare repository read with ``git show HEAD:…``); without one the
benchmark says so and exits 0.

What it builds (an invented organisation, nothing like the demo's): one
service per series (``ledger-core``, ``Notif.Dispatch``, ``img_resizer``…) with
one metric (names like ``req_latency_ms``, ``cpu_pct``, ``disk_write_bytes``),
timestamps shifted to 2026 by whole weeks (time of day and weekday kept), at
5-minute resolution and, in a second organisation, as hourly means; no
dependency edges.  Per labelled anomaly (an "episode"):

* the **true cause** — a deployment without commits (``v2026.37.2``) or a config
  change (dotted or UPPER keys) on the service 10–45 min before the labelled
  anomaly — except on every fourth episode, which has no cause at all;
* **decoys** — a change on the same service 14–20 h before (inside the 24 h
  look-back), one 1–3 h after the anomaly, and a change on another service at
  the same time as the true cause;
* series without a labelled anomaly get changes too and are asked about at
  several times.

Everything is imported through ``opsgraph import`` in a throwaway
``OPSGRAPH_HOME`` under /tmp, and every question is one chat turn as
``opsgraph ask --org … --as-of …`` runs it (``--via cli``: a process per
question; default ``--via inprocess``: the same ``Assistant.ask(as_of=…)`` in
this process, as the CLI's start-up dominates on a loaded machine), with
as_of = the end of the labelled window (~8 h after the anomaly), phrased as an
SRE would.  Measured per
question: the onset the run reports (``metric_onset``) is inside the labelled
window (or at most ``--slack`` points before its start); the true cause is
ranked first and called plausible; no decoy is ranked first; with no cause the
answer is "no plausible change"; on series without a labelled anomaly no onset
is claimed.

Usage::

    python bench/bench_telemetry.py --nab /path/to/NAB [--resolution 5min|hourly|both] [--limit N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.telemetry_org import QUESTIONS, Episode, OrgData, _ts, build, find_nab

# ------------------------------------------------------------------ running opsgraph


class Cli:
    def __init__(self, home: Path) -> None:
        self.env = {**os.environ, "OPSGRAPH_HOME": str(home), "OPSGRAPH_LLM": "offline"}
        self.env.pop("DATABASE_URL", None)
        exe = Path(sys.executable).with_name("opsgraph")
        self.exe = str(exe) if exe.exists() else "opsgraph"

    def run(self, *args: str) -> str:
        got = subprocess.run([self.exe, *args], env=self.env, capture_output=True, text=True, timeout=600)
        if got.returncode != 0:
            raise RuntimeError(f"opsgraph {' '.join(args[:2])} failed: {got.stderr[-2000:]}")
        return got.stdout


def load_org(cli: Cli, org: str, data: OrgData, tmp: Path) -> None:
    cli.run("keys", "create", "--org", org, "--role", "admin")
    files = {
        "services": json.dumps(data.services),
        "metrics": data.metrics_csv,
        "deployments": json.dumps(data.deployments),
        "config-changes": json.dumps(data.configs),
    }
    for kind, body in files.items():
        path = tmp / f"{org}-{kind}.{'csv' if kind == 'metrics' else 'json'}"
        path.write_text(body)
        cli.run("import", kind, str(path), "--org", org)


def _tool_results(uri: str, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Evidence kind → the payloads of the run's ``metric_onset`` and ``hypotheses`` evidence, in order."""
    import psycopg

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with psycopg.connect(uri) as conn:
        for kind, payload in conn.execute(
                "SELECT kind, payload FROM evidence WHERE run_id = %s AND kind IN ('metric_onset', 'hypotheses') "
                "ORDER BY id", (run_id,)):
            out[kind].append(payload)
    return out


@dataclass
class Outcome:
    episode: Episode
    question: str
    onset: dt.datetime | None
    top: str | None
    plausible: bool
    answer: str
    seconds: float
    failed: bool = False
    ranking: list[dict[str, Any]] = field(default_factory=list)


class InProcess:
    """The same turn as ``opsgraph ask`` (``api.cli_ask.ask_once``: ``Assistant.ask`` with ``as_of``), without
    starting a process per question — on a loaded machine the CLI's start-up dominates."""

    def __init__(self, home: Path) -> None:
        os.environ["OPSGRAPH_HOME"] = str(home)
        os.environ["OPSGRAPH_LLM"] = "offline"
        os.environ.pop("DATABASE_URL", None)
        from store.db import resolve_database
        from store.settings import Settings

        self.settings = Settings()
        self.target = resolve_database(self.settings)
        self.loop = asyncio.new_event_loop()
        self.assistant: Any = None

    def ask(self, org: str, question: str, as_of: dt.datetime) -> dict[str, Any]:
        from agents.service import Assistant

        async def run() -> dict[str, Any]:
            if self.assistant is None:
                self.assistant = await Assistant.open(self.settings, self.target)
            import psycopg

            with psycopg.connect(self.target.conninfo) as conn:
                org_id = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()[0]
            rec = await self.assistant.ask(org_id=org_id, question=question, trigger="api",
                                           as_of=as_of.replace(tzinfo=dt.UTC))
            if rec.status != "completed":
                raise RuntimeError(f"run {rec.id} {rec.status}: {rec.error}")
            return json.loads(rec.model_dump_json())

        return self.loop.run_until_complete(run())

    def close(self) -> None:
        if self.assistant is not None:
            self.loop.run_until_complete(self.assistant.close())
        self.loop.close()


def ask(cli: Cli, uri: str, org: str, ep: Episode, question: str, inproc: InProcess | None = None) -> Outcome:
    t0 = time.perf_counter()
    try:
        if inproc is not None:
            record = inproc.ask(org, question, ep.as_of)
        else:
            raw = cli.run("ask", question, "--org", org, "--as-of", ep.as_of.strftime("%Y-%m-%dT%H:%M"), "--json")
            record = json.loads(raw)
    except RuntimeError as e:  # a failed run counts as a wrong answer on every measure
        print(f"  FAILED {question!r}: {str(e).splitlines()[0][:200]}", file=sys.stderr)
        return Outcome(ep, question, None, None, False, "", time.perf_counter() - t0, failed=True)
    found = _tool_results(uri, record["id"])
    onsets = [p for p in found["metric_onset"] if p.get("onset")]
    hyps = found["hypotheses"][-1] if found["hypotheses"] else {}
    if hyps.get("onset") and hyps.get("onset_source") in ("given", "metric_onset"):
        onsets = [hyps]  # the onset correlated (found inside correlate_changes, or the one of several it chose)
    onset = _ts(onsets[-1]["onset"].replace("Z", "").split("+")[0]) if onsets else None
    ranked = hyps.get("hypotheses") or []
    top = ranked[0]["subject"] if ranked else None
    answer = str(record.get("answer") or record.get("final_answer") or "")
    return Outcome(ep, question, onset, top, bool(hyps.get("plausible")), answer, time.perf_counter() - t0,
                   ranking=[{k: h.get(k) for k in ("subject", "confidence", "rationale")} for h in ranked])


# ------------------------------------------------------------------ scoring


def _is_version_question(o: Outcome) -> bool:
    return o.question.startswith("did the ")


def score(outs: list[Outcome], step_minutes: int, slack: int) -> dict[str, Any]:
    version = [o for o in outs if _is_version_question(o)]
    outs = [o for o in outs if not _is_version_question(o)]
    lab = [o for o in outs if o.episode.window is not None]
    quiet = [o for o in outs if o.episode.window is None]
    pad = dt.timedelta(minutes=step_minutes * slack)

    def in_window(o: Outcome) -> bool:
        w0, w1 = o.episode.window  # type: ignore[misc]
        return o.onset is not None and w0 - pad <= o.onset <= w1

    with_cause = [o for o in lab if o.episode.cause]
    no_cause = [o for o in lab if not o.episode.cause]
    return {
        "questions": len(outs),
        "onset_in_window": (sum(in_window(o) for o in lab), len(lab)),
        "cause_first": (sum(o.top == o.episode.cause for o in with_cause), len(with_cause)),
        "cause_first_plausible": (sum(o.top == o.episode.cause and o.plausible for o in with_cause), len(with_cause)),
        "decoy_first": (sum(o.top in o.episode.decoys and o.plausible for o in lab), len(lab)),
        "honest_no_cause": (sum(not o.plausible for o in no_cause), len(no_cause)),
        "quiet_no_onset": (sum(o.onset is None for o in quiet), len(quiet)),
        "onset_error_min": _median([abs((o.onset - o.episode.label).total_seconds()) / 60  # type: ignore[operator]
                                    for o in lab if o.onset is not None]),
        "failed": sum(o.failed for o in outs),
        # "did the v2026.37.1 deploy break anything?": the answer names the deploy's service and says it moved
        "version_named": (sum(o.episode.service in o.answer and o.episode.cause_version in o.answer  # type: ignore[operator]
                              for o in version), len(version)),
        "median_s": sorted(o.seconds for o in outs)[len(outs) // 2] if outs else 0.0,
    }


def _median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2] if xs else float("nan")


def _frac(p: tuple[int, int]) -> str:
    return f"{p[0]}/{p[1]}" + (f" ({p[0] / p[1]:.2f})" if p[1] else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nab", help="NAB clone (working tree or bare repo); default $NAB_DIR")
    ap.add_argument("--resolution", choices=["5min", "hourly", "both"], default="both")
    ap.add_argument("--limit", type=int, help="only the first N series")
    ap.add_argument("--slack", type=int, default=3, help="points before the window start still counted")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--home", help="OPSGRAPH_HOME to build in and keep (default: a temporary one)")
    ap.add_argument("--only", help="only services whose name contains this")
    ap.add_argument("--extra", action="store_true", help="add the extra dev series (split 'extra', see EXTRA_SERIES)")
    ap.add_argument("--split", choices=["dev", "held-out", "extra", "dev+extra", "all"], default="all",
                    help="only the dev or held-out series (see split_of); the table always shows both rows")
    ap.add_argument("--dump", help="write every question's onset, label and ranking to this JSON file")
    ap.add_argument("--via", choices=["inprocess", "cli"], default="inprocess",
                    help="ask through a process per question (`opsgraph ask`) or the same turn in this process")
    args = ap.parse_args(argv)
    nab = find_nab(args.nab)
    if nab is None:
        print("NAB not found (--nab or $NAB_DIR): skipped")
        return 0
    resolutions = ["5min", "hourly"] if args.resolution == "both" else [args.resolution]
    rows = []
    dumped: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="opsgraph-telem-") as tmp:
        home = args.home or tmp
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from store.db import start_embedded_server, stop_embedded_server

        cli = Cli(Path(home))
        uri = start_embedded_server(Path(home))  # held for the whole run: every CLI call joins it
        cli.run("db", "upgrade")
        inproc = InProcess(Path(home)) if args.via == "inprocess" else None
        for res in resolutions:
            data = build(nab, res, limit=args.limit, extra=args.extra or "extra" in args.split)
            org = f"tidewater-{res}"
            t0 = time.perf_counter()
            if not args.home or not (Path(home) / f"{org}-services.json").exists():
                load_org(cli, org, data, Path(home))
            print(f"{org}: imported {len(data.services)} services, {len(data.deployments)} deployments, "
                  f"{len(data.configs)} config changes in {time.perf_counter() - t0:.1f} s", flush=True)
            outs = []
            for n, ep in enumerate(data.episodes):
                if args.only and args.only.lower() not in ep.service.lower():
                    continue
                if args.split != "all" and ep.split not in args.split.split("+"):
                    continue
                q = QUESTIONS[n % len(QUESTIONS)].format(svc=ep.service, word=ep.word)
                questions = [q]
                if ep.cause_version and n % 3 == 0:
                    questions.append(f"did the {ep.cause_version} deploy break anything?")
                for qq in questions:
                    o = ask(cli, uri, org, ep, qq, inproc)
                    outs.append(o)
                    if args.verbose and _is_version_question(o):
                        print(f"  {qq!r} -> {o.answer[:300]!r}", flush=True)
                    elif args.verbose:
                        w = f"{ep.window[0]:%m-%d %H:%M}..{ep.window[1]:%m-%d %H:%M}" if ep.window else "none"
                        print(f"  {qq!r} as_of {ep.as_of:%m-%d %H:%M} window {w} label "
                              f"{ep.label and f'{ep.label:%m-%d %H:%M}'} -> onset {o.onset and f'{o.onset:%m-%d %H:%M}'}"
                              f" top {o.top} (cause {ep.cause}) plausible {o.plausible}", flush=True)
            for part in ("dev", "held-out", "extra"):
                mine = [o for o in outs if o.episode.split == part]
                if mine:
                    rows.append((res, part, score(mine, data.step_minutes, args.slack)))
            dumped += [{"resolution": res, "split": o.episode.split, "service": o.episode.service,
                        "question": o.question, "as_of": str(o.episode.as_of), "label": str(o.episode.label),
                        "window": [str(t) for t in o.episode.window] if o.episode.window else None,
                        "onset": str(o.onset) if o.onset else None, "cause": o.episode.cause,
                        "decoys": o.episode.decoys, "plausible": o.plausible, "ranking": o.ranking}
                       for o in outs]
        if inproc is not None:
            inproc.close()
        stop_embedded_server(Path(home))
    if args.dump:
        Path(args.dump).write_text(json.dumps(dumped, indent=1))
    print()
    print("| resolution | split | questions | onset in window | median \\|onset − label\\| | true cause first "
          "| … and plausible | decoy first | honest \"nothing\" | no onset on quiet series | failed runs "
          "| median s/question |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for res, part, s in rows:
        print(f"| {res} | {part} | {s['questions']} | {_frac(s['onset_in_window'])} | {s['onset_error_min']:.0f} min | "
              f"{_frac(s['cause_first'])} | "
              f"{_frac(s['cause_first_plausible'])} | {_frac(s['decoy_first'])} | {_frac(s['honest_no_cause'])} | "
              f"{_frac(s['quiet_no_onset'])} | {s['failed']} | {s['median_s']:.1f} |")
        notes.append(f"{res} {part}: \"did the <version> deploy break anything?\" answers naming the service and version: "
                     f"{_frac(s['version_named'])}")
    print()
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
