"""Second batch of the chart-judged set (held out): 50 more public real series, four other annotators.

Built after the first batch (:mod:`bench.stages_annotated`) had been used to choose the fifth pass's changes, and
never used for a choice: its numbers in ``docs/benchmarks.md`` are a held-out measurement. Same protocol and
instructions (charts with the index on the x axis, "mark every point where the behaviour changes abruptly … a
single spike is not a change point … marking nothing is a valid answer"), four annotators who saw neither the first
batch nor any code or method output. Sources (none is a TCPD series or one of its sources):

* Rdatasets (``--rdatasets``): economic and financial series from ``AER`` and ``Ecdat`` (unemployment, prices,
  interest rates, money, exchange rates, a cartel's weekly price, advertising), ``datasets`` (two beavers' body
  temperature, New York's daily temperature, weekly means of the DAX and FTSE), ``fpp2`` / ``fpp3`` (arrivals,
  departures, electricity demand, US savings and unemployment changes, Canadian gas, Melbourne pedestrians weekly,
  vehicle sales, Tasmanian hotel occupancy);
* NAB (``--nab``): the ten Twitter-volume series (mentions of listed companies, 5-minute counts as 2-hourly means).

``Orange``'s juice price was dropped: it is ``FrozenJuice``'s series 24 months later (the annotators noticed).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from bench.stages_annotated import Marked, _git_dir, marked
from bench.stages_rdatasets import _read_csv

MARKS = Path(__file__).with_name("stages_annotated_b.json")

COLUMNS = """AER/GermanUnemployment:unadjusted AER/PepperPrice:black AER/FrozenJuice:price AER/USMacroSWM:production
AER/USProdIndex:unadjusted AER/DutchAdvert:tv AER/USMacroSW:ffrate AER/USMacroSW:gbpusd AER/CartelStability:price
AER/OrangeCounty:employment AER/USMoney:m1 Ecdat/Hstarts:hs Ecdat/Irates:r1 Ecdat/Irates:r36 Ecdat/Mishkin:pai1
Ecdat/Mishkin:tb1 Ecdat/PE:price Ecdat/LT:s Ecdat/Forward:usdbp Ecdat/Macrodat:lhur Ecdat/MoneyUS:infl Ecdat/DM:s
Ecdat/Capm:rf datasets/beaver1:temp datasets/beaver2:temp datasets/airquality:Temp fpp2/arrivals:Japan fpp2/arrivals:UK
fpp2/departures:permanent fpp2/departures:vislong fpp2/elecdaily:Demand fpp2/uschange:Savings fpp2/uschange:Unemployment
fpp3/canadian_gas:Volume""".split()
GROUPED = (("fpp3/aus_arrivals", "Origin", "NZ", "Arrivals"), ("fpp3/aus_accommodation", "State", "Tasmania", "Occupancy"),
           ("fpp3/aus_vehicle_sales", "Type", "Other", "Count"))


def load_rdatasets_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for spec in COLUMNS:
        rel, col = spec.split(":")
        out[f"rd:{rel.split('/')[1]}:{col}"] = pd.to_numeric(_read_csv(root, f"{rel}.csv")[col]).to_numpy(np.float64)
    eu = _read_csv(root, "datasets/EuStockMarkets.csv")
    for col in ("DAX", "FTSE"):
        x = eu[col].to_numpy(np.float64)
        k = len(x) // 5
        out[f"rd:EuStockMarkets:{col}:weekly"] = x[: k * 5].reshape(k, 5).mean(axis=1)
    walk = _read_csv(root, "fpp3/melb_walkers.csv")["Count"].to_numpy(np.float64)
    k = len(walk) // 7
    out["rd:melb_walkers:weekly"] = walk[: k * 7].reshape(k, 7).sum(axis=1)
    for rel, key, value, col in GROUPED:
        df = _read_csv(root, f"{rel}.csv")
        out[f"rd:{rel.split('/')[1]}:{value}"] = df[df[key] == value][col].to_numpy(np.float64)
    return out


def load_nab_series(root: Path) -> dict[str, np.ndarray]:
    git = _git_dir(root)
    out: dict[str, np.ndarray] = {}
    for name in ("AAPL", "AMZN", "CRM", "CVS", "FB", "GOOG", "IBM", "KO", "PFE", "UPS"):
        rel = f"data/realTweets/Twitter_volume_{name}.csv"
        raw = ((root / rel).read_bytes() if (root / rel).is_file() else
               subprocess.run(["git", f"--git-dir={git}", "show", f"HEAD:{rel}"], capture_output=True, check=True).stdout)
        df = pd.read_csv(io.BytesIO(raw))
        s = df.assign(timestamp=pd.to_datetime(df["timestamp"])).set_index("timestamp")["value"]
        out[f"nab:Twitter_volume_{name}"] = s.resample("2h").mean().dropna().to_numpy(np.float64)
    return out


def load(rdatasets: Path | None, nab: Path | None) -> Marked:
    """The marked series whose source is given."""
    values: dict[str, np.ndarray] = {}
    if rdatasets:
        values.update(load_rdatasets_series(rdatasets))
    if nab:
        values.update(load_nab_series(nab))
    return marked(MARKS, values)
