"""Fifth batch of the chart-judged set (held out from the eighth pass): 24 more public real series, four more annotators.

Built and marked while the eighth pass (random-walk-like rows) was being chosen on batches 1-4 and never shown to
it. Same protocol and instructions as :mod:`bench.stages_annotated`. Sources, all read from a local copy of
Rdatasets (``--rdatasets``; none is a TCPD series): a bank call centre's calls per day (``fpp3::bank_calls``), a
textbook site's page views per week (``fpp3::otexts_views``), six monthly NSW offence counts, Peace Bridge traffic
per month, Key West water temperature per day, daily means of half-hourly electricity demand (``forecast::taylor``)
and Victoria's daily maximum demand (``fpp2::elecdemand``), US presidential approval per quarter, tree-ring widths
in 40-year means, US women murdered per 100,000, Saudi oil production, Australian air passengers, Melbourne maximum
temperatures, US gasoline supplied per week (last ten years), quarterly visitor nights in three Australian regions,
and an insurer's monthly quotes and TV advertising.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv

MARKS = Path(__file__).with_name("stages_annotated_e.json")
read = _read_csv


def _blocks(x: np.ndarray, k: int, how: str = "mean") -> np.ndarray:
    m = len(x) // k
    a = np.asarray(x[: m * k], dtype=np.float64).reshape(m, k)
    return a.sum(axis=1) if how == "sum" else a.mean(axis=1)


def _clean(x: object) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a[~np.isnan(a)]


def load_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    bc = read(root, "fpp3/bank_calls.csv")
    out["rd:bank_calls:daily"] = bc.assign(d=bc.DateTime.str[:10]).groupby("d")["Calls"].sum().to_numpy(np.float64)
    ov = read(root, "fpp3/otexts_views.csv")
    out["rd:otexts_views:weekly"] = _blocks(_clean(ov["Pageviews"]), 7, "sum")
    off = read(root, "fpp3/nsw_offences.csv")
    for t in ("Arson", "Robbery", "Drug offences", "Liquor offences", "Transport regulatory offences", "Homicide"):
        out[f"rd:nsw_offences:{t}"] = _clean(off[off.Type == t]["Count"])
    out["rd:PeaceBridge2012:traffic"] = _clean(read(root, "Stat2Data/PeaceBridge2012.csv")["Traffic"])
    kw = read(root, "Stat2Data/KeyWestWater.csv")
    out["rd:KeyWestWater:daily"] = _blocks(_clean(kw["WaterTemp"]), 24)
    out["rd:taylor:daily"] = _blocks(_clean(read(root, "forecast/taylor.csv")["x"]), 48)
    ed = read(root, "fpp2/elecdemand.csv")
    out["rd:elecdemand:dailymax"] = np.asarray(ed["Demand"], dtype=np.float64)[: 365 * 48].reshape(365, 48).max(axis=1)
    out["rd:presidents"] = _clean(read(root, "datasets/presidents.csv")["value"])
    out["rd:treering:40y"] = _blocks(_clean(read(root, "datasets/treering.csv")["value"]), 40)
    for f in ("wmurders", "oil", "ausair", "maxtemp"):
        out[f"rd:{f}"] = _clean(read(root, f"fpp2/{f}.csv")["value"])
    out["rd:gasoline:weekly"] = _clean(read(root, "fpp2/gasoline.csv")["value"])[-520:]
    vn = read(root, "fpp2/visnights.csv")
    for c in ("NSWNthCo", "QLDCntrl", "WAUMetro"):
        out[f"rd:visnights:{c}"] = _clean(vn[c])
    ins = read(root, "fpp2/insurance.csv")
    out["rd:insurance:Quotes"] = _clean(ins["Quotes"])
    out["rd:insurance:TV.advert"] = _clean(ins["TV.advert"])
    return {k: v for k, v in out.items() if len(v) >= 40}


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
