"""Eighth batch of the chart-judged set (held out from the eleventh pass): 30 more public real series, four more annotators.

Built and marked while the eleventh pass (a learned boundary acceptance fitted on batches 1-7; a test for steps in
short wandering rows) was being chosen on batches 1-7, and never shown to it. Same protocol and instructions as
:mod:`bench.stages_annotated`; chosen to look like TCPD (mostly short annual/monthly socio-economic series around known
events, a few shift-free controls). Sources, all read from a local copy of Rdatasets (``--rdatasets``; none is a TCPD
series): weekly avocado prices, children in New York childcare per month, Australian SUV sales per month, sentenced
male prisoners in New South Wales per quarter, River Nidd flood exceedances, Canadian female conviction rates per
year 1931-1968, wages in one US sector per month around minimum-wage rises, US inflation per year, US housing
investment per year, the S&P 500 dividend yield per month, Puerto Rico's unemployment per year, US real GDP growth per
year, daily fish prices at the Fulton market, US unemployment per year since 1790, the finance industry's share of
US corporate profits, an oil price index per month, the franc-lira exchange rate per month, an interest rate per
year, the US T-bill rate per year, life expectancy in Cambodia and Rwanda, daily CO2 in Germany, Apple's daily
trading volume, the S&P 500 over 100 days of 1990, tobacco spending in New South Wales per quarter, IBM's monthly
returns, Google's daily returns, yearly polio cases in California, mumps in New York and rubella in Texas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.stages_annotated import Marked, marked
from bench.stages_rdatasets import _read_csv, numeric

MARKS = Path(__file__).with_name("stages_annotated_h.json")
read = _read_csv


def load_series(root: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    out["rd:avocado:AveragePrice"] = numeric(read(root, "causaldata/avocado.csv").sort_values("Date")["AveragePrice"])
    out["rd:ny_childcare:Count"] = numeric(read(root, "fpp3/ny_childcare.csv")["Count"])
    vs = read(root, "fpp3/aus_vehicle_sales.csv")
    out["rd:aus_vehicle_sales:SUV"] = numeric(vs[vs.Type == "SUV"]["Count"])
    pr = read(root, "fpp2/prison.csv")
    pr.columns = [c.strip() for c in pr.columns]
    out["rd:prison:NSWMSentenced"] = numeric(pr["NSWMSentenced"])
    out["rd:nidd.thresh"] = numeric(read(root, "evir/nidd.thresh.csv")["dat"])
    out["rd:Hartnagel:fconvict"] = numeric(read(root, "carData/Hartnagel.csv")["fconvict"])
    out["rd:minwage:wage232"] = numeric(read(root, "wooldridge/minwage.csv")["wage232"])
    out["rd:phillips:inf"] = numeric(read(root, "wooldridge/phillips.csv")["inf"])
    out["rd:hseinv:inv"] = numeric(read(root, "wooldridge/hseinv.csv")["inv"])
    out["rd:volat:divyld"] = numeric(read(root, "wooldridge/volat.csv")["divyld"])
    out["rd:prminwge:prunemp"] = numeric(read(root, "wooldridge/prminwge.csv")["prunemp"])
    out["rd:okun:pcrgdp"] = numeric(read(root, "wooldridge/okun.csv")["pcrgdp"])
    out["rd:fish:prca"] = numeric(read(root, "wooldridge/fish.csv")["prca"])
    out["rd:USGDPpresidents:unemployment"] = numeric(read(root, "Ecdat/USGDPpresidents.csv")["unemployment"])
    out["rd:USFinanceIndustry:FinanceProportion"] = numeric(read(root, "Ecdat/USFinanceIndustry.csv")["FinanceProportion"])
    out["rd:USMacroSWM:oil"] = numeric(read(root, "AER/USMacroSWM.csv")["oil"])
    out["rd:PPP:lnx"] = numeric(read(root, "Ecdat/PPP.csv")["lnx"])
    out["rd:Mpyr:r"] = numeric(read(root, "Ecdat/Mpyr.csv")["r"])
    out["rd:MW:trate"] = numeric(read(root, "Ecdat/MW.csv")["trate"])
    gm = read(root, "dslabs/gapminder.csv")
    for c in ("Cambodia", "Rwanda"):
        out[f"rd:gapminder:{c}:life_expectancy"] = numeric(gm[gm.country == c].sort_values("year")["life_expectancy"])
    out["rd:CO2Germany"] = numeric(read(root, "Stat2Data/CO2Germany.csv")["CO2"])
    out["rd:AppleStock:Volume"] = numeric(read(root, "Stat2Data/AppleStock.csv")["Volume"])
    out["rd:SP500W90:closing"] = numeric(read(root, "DAAG/SP500W90.csv")["closing"])
    tb = read(root, "fpp3/aus_tobacco.csv")
    out["rd:aus_tobacco:NSW"] = numeric(tb[tb.State == "NSW"]["Expenditure"])
    out["rd:CRSPmon:ibm"] = numeric(read(root, "Ecdat/CRSPmon.csv")["ibm"])
    out["rd:google_stock:Google_Return"] = numeric(read(root, "causaldata/google_stock.csv")["Google_Return"])
    cd = read(root, "dslabs/us_contagious_diseases.csv")
    for dis, state in (("Polio", "California"), ("Mumps", "New York"), ("Rubella", "Texas")):
        s = cd[(cd.disease == dis) & (cd.state == state)].sort_values("year")
        out[f"rd:us_contagious_diseases:{dis}:{state}"] = numeric(s["count"])
    return {k: v for k, v in out.items() if len(v) >= 35}


def load(rdatasets: Path | None, nab: Path | None = None) -> Marked:
    """The marked series (Rdatasets only; ``nab`` is accepted for symmetry with the other batches)."""
    return marked(MARKS, load_series(rdatasets) if rdatasets else {})
