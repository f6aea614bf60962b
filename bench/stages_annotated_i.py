"""Tenth batch of the chart-judged set (held out from the twelfth pass): 28 more public real series, four more annotators.

Built and marked while the twelfth pass (a two-step episode test for short rows) was being chosen on batches 1-8, and
never shown to it; same protocol and instructions as :mod:`bench.stages_annotated`. Seven rows are shorter than 35
points (short annual rows are what TCPD is full of), so unlike batch 8 no length filter is applied.

Each id maps to how its values are read from a local copy of github.com/vincentarelbundock/Rdatasets
(a work tree ``<dir>/csv/<pkg>/<name>.csv`` or a bare git directory, read with ``git show HEAD:csv/...``).
Ids follow batch 8's style (``rd:<dataset>:<column>[:<slice or aggregation>]``). Rows are taken in file order
unless a sort is given; non-numeric cells are dropped.

Sources: Belgian international phone calls per year 1950-1973 (MASS::phones), Swedish road accidents per day in 1961
(MASS::Traffic), China's industrial income index 1952-1988 (AER::ChinaIncome), the US gasoline price index 1960-1995
(AER::USGasG), US annual stock returns (AER::BenderlyZwick), Canadian women's labour-force participation 1946-1975
(carData::Bfox), the US top-0.01% income threshold 1947-2012 (Ecdat::incomeInequality), Exxon Mobil's monthly
closing price 2006-2014 (openintro::xom), ice-cream consumption per four weeks 1951-1953 (Ecdat::Icecream), Solow's
technology index 1909-1949 (Ecdat::Solow), Grand Rapids seasonal snowfall 1893-2011 (mosaicData::SnowGR), daily
rail-trail users (mosaicData::RailTrail), US births per day in 1978 (mosaicData::Births78), Port Pirie annual
maximum sea level 1923-1987 (texmex::portpirie), US births per month 1994-2003
(fivethirtyeight::US_births_1994_2003), US police officers killed on duty per year 1900-2015 (2016 is partial), dogs
excluded (fivethirtyeight::police_deaths), Trump's daily approval estimate, all polls
(fivethirtyeight::trump_approval_trend), the Olympic men's 1500 m winning time (tsibbledata::olympic_running), the
Olympic long-jump gold distance (Stat2Data::LongJumpOlympics), US real hourly wage 1947-1987 (wooldridge::earns),
global mean sea level since 1880 (stevedata::sealevels), US imports as a share of GDP since 1790
(stevedata::usa_tradegdp), daily acute myocardial infarction admissions (openintro::ami_occurrences), jobs in
British Columbia per month 1995-1996 (DAAG::jobs), Tasmanian births per month since 1975 (fpp3::aus_births), Acme
Cleveland's monthly returns 1986-1990 (boot::acme), holiday trips to the Snowy Mountains per quarter
(timeSeriesDataSets::tourism_tbl_ts), weekly sums of daily S&P 500 returns 1981-1991 (Ecdat::SP500).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv as read_csv
from bench.stages_rdatasets import numeric

MARKS = Path(__file__).with_name("stages_annotated_i.json")


def _col(pkg_name: str, col: str) -> Callable[[Path], np.ndarray]:
    return lambda root: numeric(read_csv(root, f"{pkg_name}.csv")[col])


def _traffic_1961(root: Path) -> np.ndarray:
    d = read_csv(root, "MASS/Traffic.csv")
    return numeric(d[d.year == 1961].sort_values("day")["y"])


def _births_monthly(root: Path) -> np.ndarray:
    d = read_csv(root, "fivethirtyeight/US_births_1994_2003.csv")
    return numeric(d.groupby(["year", "month"], sort=True)["births"].sum())


def _police_deaths_yearly(root: Path) -> np.ndarray:
    d = read_csv(root, "fivethirtyeight/police_deaths.csv")
    d = d[d.canine.astype(str).str.upper() != "TRUE"]
    counts = d.groupby("year").size().reindex(range(1900, 2016), fill_value=0)
    return counts.to_numpy(dtype=np.float64)


def _trump_all(root: Path) -> np.ndarray:
    d = read_csv(root, "fivethirtyeight/trump_approval_trend.csv")
    d = d[d.subgroup == "All polls"].assign(modeldate=lambda t: pd.to_datetime(t["modeldate"]))
    return numeric(d.sort_values("modeldate")["approve_estimate"])


def _olympic_1500_men(root: Path) -> np.ndarray:
    d = read_csv(root, "tsibbledata/olympic_running.csv")
    return numeric(d[(d.Length == 1500) & (d.Sex == "men")].sort_values("Year")["Time"])


def _imports_share(root: Path) -> np.ndarray:
    d = read_csv(root, "stevedata/usa_tradegdp.csv").sort_values("year")
    return numeric(100.0 * d["impo"] / d["gdpb"])


def _tas_births(root: Path) -> np.ndarray:
    d = read_csv(root, "fpp3/aus_births.csv")
    d = d[d.State == "TAS"].assign(m=lambda t: pd.to_datetime(t["Month"], format="%Y %b"))
    return numeric(d.sort_values("m")["Births"])


def _snowy_holiday(root: Path) -> np.ndarray:
    d = read_csv(root, "timeSeriesDataSets/tourism_tbl_ts.csv")
    d = d[(d.Region == "Snowy Mountains") & (d.Purpose == "Holiday")]
    return numeric(d.sort_values("Quarter")["Trips"])


def _xom_close(root: Path) -> np.ndarray:
    d = read_csv(root, "openintro/xom.csv")
    return numeric(d.assign(date=pd.to_datetime(d["date"])).sort_values("date")["close"])


def _sp500_weekly(root: Path) -> np.ndarray:
    r = numeric(read_csv(root, "Ecdat/SP500.csv")["r500"])
    m = len(r) // 5 * 5
    return r[:m].reshape(-1, 5).sum(axis=1)


SERIES = {
    "rd:phones:calls": _col("MASS/phones", "calls"),
    "rd:Traffic:y:1961": _traffic_1961,
    "rd:ChinaIncome:industry": _col("AER/ChinaIncome", "industry"),
    "rd:USGasG:price": _col("AER/USGasG", "price"),
    "rd:BenderlyZwick:returns": _col("AER/BenderlyZwick", "returns"),
    "rd:Bfox:partic": _col("carData/Bfox", "partic"),
    "rd:incomeInequality:P99.99": _col("Ecdat/incomeInequality", "P99.99"),
    "rd:xom:close": _xom_close,
    "rd:Icecream:cons": _col("Ecdat/Icecream", "cons"),
    "rd:Solow:A": _col("Ecdat/Solow", "A"),
    "rd:SnowGR:Total": _col("mosaicData/SnowGR", "Total"),
    "rd:RailTrail:volume": _col("mosaicData/RailTrail", "volume"),
    "rd:Births78:births": _col("mosaicData/Births78", "births"),
    "rd:portpirie:SeaLevel": _col("texmex/portpirie", "SeaLevel"),
    "rd:US_births_1994_2003:monthly": _births_monthly,
    "rd:police_deaths:per_year:1900-2015": _police_deaths_yearly,
    "rd:trump_approval_trend:All polls:approve": _trump_all,
    "rd:olympic_running:1500:men": _olympic_1500_men,
    "rd:LongJumpOlympics:Gold": _col("Stat2Data/LongJumpOlympics", "Gold"),
    "rd:earns:hrwage": _col("wooldridge/earns", "hrwage"),
    "rd:sealevels:adjlev": _col("stevedata/sealevels", "adjlev"),
    "rd:usa_tradegdp:imports_share": _imports_share,
    "rd:ami_occurrences:ami": _col("openintro/ami_occurrences", "ami"),
    "rd:jobs:BC": _col("DAAG/jobs", "BC"),
    "rd:aus_births:TAS": _tas_births,
    "rd:acme:acme": _col("boot/acme", "acme"),
    "rd:tourism:Snowy Mountains:Holiday": _snowy_holiday,
    "rd:SP500:r500:weekly": _sp500_weekly,
}


def load_series(root: Path) -> dict[str, np.ndarray]:
    """Every series of the batch, in the order of :data:`SERIES`."""
    return {k: fn(root) for k, fn in SERIES.items()}


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
