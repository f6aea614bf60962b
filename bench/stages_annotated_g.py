"""Seventh batch of the chart-judged set (held out from the tenth pass): 28 more public real series, four more annotators.

Built and marked while the tenth pass (the noise model; boundaries accepted on evidence learned from batches 1-6)
was being chosen on batches 1-6 and never shown to it. Same protocol and instructions as
:mod:`bench.stages_annotated`. Sources, all read from a local copy of Rdatasets (``--rdatasets``; none is a TCPD
series): luteinizing hormone every 10 minutes, daily wind in New York (summer 1973), a consumer good's weekly market
share, Margaret Thatcher's monthly approval, one person's daily steps per week, US SO2 per year, Arctic sea ice per
year since 1901, deaths per week in Puerto Rico 2015-2018, yearly hepatitis A cases in California and pertussis in
New York, daily cholera deaths in Soho in 1854, Playfair's wheat prices, the Southern Oscillation Index per year,
California traffic accidents per month, US barium chloride imports from China, unemployment claims in Anderson
(Indiana), George W. Bush's approval per month, US cement production per month, the US general fertility rate,
the 3-month T-bill rate per year, US job vacancy rate per month, one person's daily steps, CO2 at the South Pole,
Canada's interest rate per quarter, London murders per week, Australian deaths per week, the global land-ocean
temperature index per month since 1980, US price inflation per month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv

MARKS = Path(__file__).with_name("stages_annotated_g.json")
read = _read_csv


def _clean(x: object) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a[~np.isnan(a)]


def _weekly(dates: object, values: object = None) -> np.ndarray:
    """Weekly sums of events (``values`` None) or weekly means of daily values; partial first/last weeks dropped."""
    d = pd.to_datetime(dates)
    s = pd.Series(1.0 if values is None else np.asarray(values, dtype=np.float64), index=d)
    w = s.resample("W").sum() if values is None else s.resample("W").mean()
    return w.iloc[1:-1].to_numpy(np.float64)


def load_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    out["rd:lh"] = _clean(read(root, "datasets/lh.csv")["value"])
    out["rd:airquality:Wind"] = _clean(read(root, "datasets/airquality.csv")["Wind"])
    out["rd:ConsumerGood:share"] = _clean(read(root, "AER/ConsumerGood.csv")["share"])
    out["rd:thatcher_approval:thatcher_sat"] = _clean(read(root, "stevedata/thatcher_approval.csv")["thatcher_sat"])
    st = read(root, "stevedata/stevesteps.csv")
    out["rd:stevesteps:weekly"] = _weekly(st["date"], st["value"])
    out["rd:so2concentrations"] = _clean(read(root, "stevedata/so2concentrations.csv")["value"])
    out["rd:arcticseaice"] = _clean(read(root, "stevedata/arcticseaice.csv")["value"])
    pr = read(root, "dslabs/pr_death_counts.csv")
    out["rd:pr_death_counts:weekly"] = _weekly(pr["date"], pr["deaths"])
    cd = read(root, "dslabs/us_contagious_diseases.csv")
    for dis, state in (("Hepatitis A", "California"), ("Pertussis", "New York")):
        s = cd[(cd.disease == dis) & (cd.state == state)].sort_values("year")
        out[f"rd:us_contagious_diseases:{dis}:{state}"] = _clean(s["count"])
    out["rd:Snow.dates:deaths"] = _clean(read(root, "HistData/Snow.dates.csv")["deaths"])
    out["rd:Wheat:Wheat"] = _clean(read(root, "HistData/Wheat.csv")["Wheat"])
    out["rd:bomsoi:SOI"] = _clean(read(root, "DAAG/bomsoi.csv")["SOI"])
    out["rd:traffic2:totacc"] = _clean(read(root, "wooldridge/traffic2.csv")["totacc"])
    out["rd:barium:chnimp"] = _clean(read(root, "wooldridge/barium.csv")["chnimp"])
    out["rd:ezanders:uclms"] = _clean(read(root, "wooldridge/ezanders.csv")["uclms"])
    out["rd:approval:approve"] = _clean(read(root, "wooldridge/approval.csv")["approve"])
    out["rd:cement:ipcem"] = _clean(read(root, "wooldridge/cement.csv")["ipcem"])
    out["rd:fertil3:gfr"] = _clean(read(root, "wooldridge/fertil3.csv")["gfr"])
    out["rd:intdef:i3"] = _clean(read(root, "wooldridge/intdef.csv")["i3"])
    out["rd:beveridge:vrate"] = _clean(read(root, "wooldridge/beveridge.csv")["vrate"])
    out["rd:Pedometer:Steps"] = _clean(read(root, "Stat2Data/Pedometer.csv")["Steps"])
    out["rd:CO2SouthPole"] = _clean(read(root, "Stat2Data/CO2SouthPole.csv")["CO2"])
    out["rd:Money:r"] = _clean(read(root, "Ecdat/Money.csv")["r"])
    out["rd:london_murders:weekly"] = _weekly(read(root, "openintro/london_murders.csv")["date"])
    am = read(root, "fpp3/aus_mortality.csv")
    am = am[(am.Sex == "Both") & (am.Age == "Total")]
    out["rd:aus_mortality:weekly"] = _clean(am.sort_values("Week")["Deaths"])
    lo = read(root, "stevedata/LOTI.csv")
    out["rd:LOTI:monthly"] = _clean(lo[lo.date >= "1980-01-01"]["value"])
    out["rd:wageprc:gprice"] = _clean(read(root, "wooldridge/wageprc.csv")["gprice"])
    return {k: v for k, v in out.items() if len(v) >= 40}


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
