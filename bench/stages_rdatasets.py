"""Third real set for ``bench_stages_real.py``: public series with documented breaks (Rdatasets mirror).

Only the *annotations* live here (dates, with where they are documented); the
values are read at run time from a local copy of
``github.com/vincentarelbundock/Rdatasets`` — a work tree (``<dir>/csv/<pkg>/<name>.csv``)
or a bare git directory (read with ``git show HEAD:csv/...``) — given by
``--rdatasets`` or ``$RDATASETS_DIR``.  Nothing is downloaded or committed.

None of these series is a TCPD series or one of its sources.

Annotated (a documented event, located at the first index of the new regime):

* ``coal`` — ``boot::coal``: dates of British coal-mining explosions with ≥ 10
  deaths, 1851–1962, counted per year (112 points).  The rate drop around
  1890 is the classic change-point example (Jarrett 1979, cited in the package
  documentation; Raftery & Akman 1986 and Carlin, Gelfand & Smith 1992 place
  it at 1890–1891); annotated at 1891.
* ``nightingale`` — ``HistData::Nightingale``, ``Disease.rate``: monthly
  zymotic-disease death rate of the British army in the Crimea, April 1854 –
  March 1856 (24 points).  The package documentation: the death rate was
  higher "before a Sanitary Commissioners arrived in March 1855"; annotated
  at March 1855.
* ``marathon`` — ``fpp2::marathon``: Boston marathon men's winning time,
  1897–2016 (120 points).  The course was lengthened from 24.5 to 26.2 miles
  in 1924 (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
  the piecewise-trend example on this series); annotated at 1924.
* ``ansett:<route>`` — ``tsibbledata::ansett``, Economy class, the 10 routes
  (~282 weeks, 1987–1992).  The package documentation: "a major pilots'
  industrial dispute which results in some weeks having zero passengers";
  annotated at the first week with zero passengers and the first week after it
  with passengers again (located in each route's own data).  On MEL-SYD the
  1992 trial that replaced economy seats by business seats (FPP, same book,
  the chapter on time plots) is annotated at its first reduced week and the
  first week back (1992 W12, 1992 W25).

Without a documented level break (seasonal, trending, random-walk-like or
cyclic; used to count stages opened where no break is documented, not scored
for F1): ``AirPassengers``, ``UKgas``, ``nottem``, ``JohnsonJohnson``,
``USAccDeaths``, ``LakeHuron``, ``lynx``, ``airmiles`` (datasets), ``a10``,
``goog200``, ``ausbeer`` (fpp2).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd


def _read_csv(root: Path, rel: str) -> pd.DataFrame:
    wt = root / "csv" / rel
    if wt.is_file():
        return pd.read_csv(wt)
    git = root if (root / "HEAD").is_file() else root / "repo"
    out = subprocess.run(
        ["git", f"--git-dir={git}", "show", f"HEAD:csv/{rel}"], capture_output=True, check=True
    ).stdout
    return pd.read_csv(io.BytesIO(out))


def numeric(x: object) -> np.ndarray:
    """The numeric cells of a column, in order, as float64 (blank and non-numeric cells dropped)."""
    a = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce"), dtype=np.float64)
    return a[~np.isnan(a)]


NO_BREAK = [
    "datasets/AirPassengers", "datasets/UKgas", "datasets/nottem", "datasets/JohnsonJohnson",
    "datasets/USAccDeaths", "datasets/LakeHuron", "datasets/lynx", "datasets/airmiles",
    "fpp2/a10", "fpp2/goog200", "fpp2/ausbeer",
]


def load_annotated(root: Path) -> list[tuple[str, np.ndarray, list[int]]]:
    """``(name, values, change points)`` of the annotated series (see the module docstring)."""
    out: list[tuple[str, np.ndarray, list[int]]] = []
    coal = _read_csv(root, "boot/coal.csv")["date"].to_numpy()
    years = np.arange(1851, 1963)
    counts = np.array([np.sum(np.floor(coal) == y) for y in years], dtype=np.float64)
    out.append(("coal", counts, [int(np.flatnonzero(years == 1891)[0])]))

    ng = _read_csv(root, "HistData/Nightingale.csv")
    dates = ng["Date"].astype(str).tolist()
    out.append(("nightingale", ng["Disease.rate"].to_numpy(dtype=np.float64), [dates.index("1855-03-01")]))

    mar = _read_csv(root, "fpp2/marathon.csv")
    t = mar["time"].round().astype(int).tolist()
    out.append(("marathon", mar["value"].to_numpy(dtype=np.float64), [t.index(1924)]))

    an = _read_csv(root, "tsibbledata/ansett.csv")
    an = an[an["Class"] == "Economy"]
    for route, df in sorted(an.groupby("Airports")):
        df = df.sort_values("Week")
        weeks = df["Week"].astype(str).tolist()
        y = df["Passengers"].to_numpy(dtype=np.float64)
        in89 = np.array([w.startswith("1989") for w in weeks])
        zero = np.flatnonzero((y == 0) & in89)
        start = int(zero[0])
        back = start + int(np.argmax(y[start:] > 0))
        cps = [start, back]
        if route == "MEL-SYD":
            cps += [weeks.index("1992 W12"), weeks.index("1992 W25")]
        out.append((f"ansett:{route}", y, sorted(cps)))
    return out


def load_no_break(root: Path) -> list[tuple[str, np.ndarray]]:
    """``(name, values)`` of the series without a documented level break."""
    return [(rel, _read_csv(root, f"{rel}.csv")["value"].to_numpy(dtype=np.float64)) for rel in NO_BREAK]
