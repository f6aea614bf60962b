"""Third batch of the chart-judged set (held out): 33 more public real series, four more annotators.

Built while the sixth pass was being chosen on batches 1 and 2 and never shown to it: its numbers in
``docs/benchmarks.md`` are a held-out measurement. Same protocol and instructions as
:mod:`bench.stages_annotated` (charts with the index on the x axis only; "mark every point where the behaviour
changes abruptly … a single spike is not a change point … marking nothing is a valid answer"). Sources, all read
from a local copy of Rdatasets (``--rdatasets``; none is a TCPD series or one of its sources): weekly closes of four
large tech stocks and one's weekly volume (``tsibbledata::gafa_stock``), hare and lynx pelts, Victoria's weekly
electricity demand and maximum temperature, seven monthly livestock-slaughter series (``aus_livestock``), London
christenings 1629–1710 (``HistData::Arbuthnot``), Paris monthly registrations 1812–1854 (``HistData::Prostitutes``),
weekly exchange rates (``Ecdat::Garch``), monthly gold and silver, US unemployment, T-bill rate and investment
(``AER::USMacroG``), the MSCI Switzerland index monthly, souvenir sales, copper / wheat / nail prices 1800–1997
(``fpp3::prices``), NYC Citi Bike trips per day.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv

MARKS = Path(__file__).with_name("stages_annotated_c.json")
LIVESTOCK = (("Pigs", "Victoria"), ("Lambs", "New South Wales"), ("Cows and heifers", "Queensland"),
             ("Calves", "Victoria"), ("Sheep", "Western Australia"), ("Bulls, bullocks and steers", "South Australia"),
             ("Pigs", "Tasmania"))


def _blocks(x: np.ndarray, k: int) -> np.ndarray:
    m = len(x) // k
    return np.asarray(x[: m * k], dtype=np.float64).reshape(m, k).mean(axis=1)


def load_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    g = _read_csv(root, "tsibbledata/gafa_stock.csv")
    for sym in ("AAPL", "AMZN", "FB", "GOOG"):
        out[f"rd:gafa_stock:{sym}:weekly"] = _blocks(g[g.Symbol == sym].sort_values("Date")["Close"].to_numpy(), 5)
    out["rd:gafa_stock:AAPL:volume:weekly"] = _blocks(g[g.Symbol == "AAPL"].sort_values("Date")["Volume"].to_numpy(), 5)
    p = _read_csv(root, "tsibbledata/pelt.csv")
    out["rd:pelt:Hare"], out["rd:pelt:Lynx"] = p["Hare"].to_numpy(np.float64), p["Lynx"].to_numpy(np.float64)
    v = _read_csv(root, "tsibbledata/vic_elec.csv")
    d = v.groupby("Date").agg(Demand=("Demand", "mean"), Temp=("Temperature", "max"))
    out["rd:vic_elec:demand:weekly"] = _blocks(d["Demand"].to_numpy(), 7)
    out["rd:vic_elec:maxtemp:weekly"] = _blocks(d["Temp"].to_numpy(), 7)
    lv = _read_csv(root, "tsibbledata/aus_livestock.csv")
    for animal, state in LIVESTOCK:
        out[f"rd:aus_livestock:{animal}:{state}"] = lv[(lv.Animal == animal) & (lv.State == state)]["Count"].to_numpy(
            np.float64)
    out["rd:Arbuthnot:Total"] = _read_csv(root, "HistData/Arbuthnot.csv")["Total"].to_numpy(np.float64)
    out["rd:Prostitutes:count"] = _read_csv(root, "HistData/Prostitutes.csv")["count"].to_numpy(np.float64)
    ga = _read_csv(root, "Ecdat/Garch.csv")
    for c in ("dm", "bp", "cd", "sf"):
        out[f"rd:Garch:{c}:weekly"] = _blocks(ga[c].to_numpy(), 5)
    gs = _read_csv(root, "AER/GoldSilver.csv")
    for c in ("gold", "silver"):
        out[f"rd:GoldSilver:{c}:monthly"] = _blocks(gs[c].to_numpy(), 30)
    mg = _read_csv(root, "AER/USMacroG.csv")
    for c in ("unemp", "tbill", "invest"):
        out[f"rd:USMacroG:{c}"] = mg[c].to_numpy(np.float64)
    out["rd:MSCISwitzerland:monthly"] = _blocks(_read_csv(root, "AER/MSCISwitzerland.csv")["dat"].to_numpy(), 21)
    out["rd:souvenirs"] = _read_csv(root, "fpp3/souvenirs.csv")["Sales"].to_numpy(np.float64)
    pr = _read_csv(root, "fpp3/prices.csv")
    for c in ("copper", "wheat", "nails"):
        x = pr[c].to_numpy(np.float64)
        out[f"rd:prices:{c}"] = x[~np.isnan(x)]
    nb = _read_csv(root, "tsibbledata/nyc_bikes.csv")
    out["rd:nyc_bikes:trips_per_day"] = nb.assign(d=nb.start_time.str[:10]).groupby("d").size().to_numpy(np.float64)
    return out


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
