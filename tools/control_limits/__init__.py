"""Wheeler XmR control limits with stage detection and signals.

The numeric core is pure numpy, split by concern: :mod:`~tools.control_limits.models`
(constants and result types), :mod:`~tools.control_limits.xmr` (limits of a stage),
:mod:`~tools.control_limits.counts` (the count-aware upper limit of rare-count stages),
:mod:`~tools.control_limits.noise` (robust per-series noise scale for the search),
:mod:`~tools.control_limits.seasonal` (a strong cycle found in the data and removed before the search),
:mod:`~tools.control_limits.segmentation` (gap compression, vectorised binary
segmentation), :mod:`~tools.control_limits.seeded` (seeded binary segmentation
for short dips and bumps), :mod:`~tools.control_limits.refine` (local
re-validation), :mod:`~tools.control_limits.flat` (stretches of one repeated value),
:mod:`~tools.control_limits.ar1seg` (a lower-autocorrelation alternative for random-walk-like noise), :mod:`~tools.control_limits.levelbreak`
(abrupt level breaks in random-walk-like series, by a local level model), :mod:`~tools.control_limits.shortlevel`
(level steps judged locally on rows where the search stays silent), :mod:`~tools.control_limits.propose`
(the candidate search), :mod:`~tools.control_limits.rules` (Wheeler's rules: stage
confirmation and signals) and :mod:`~tools.control_limits.analysis` (the pipeline).
CSV loading for ``opsgraph analyze`` lives in :mod:`tools.control_limits.csvio`.
"""

from tools.control_limits.analysis import analyze_many, analyze_series, detect_stages
from tools.control_limits.csvio import analyze_csv
from tools.control_limits.models import (
    D2,
    D2_MEDIAN,
    D4,
    D6,
    E2,
    E5,
    RULE_BEYOND,
    RULE_RUN,
    RULE_THREE,
    RULES,
    Limits,
    SeriesAnalysis,
    Signal,
    Stage,
)
from tools.control_limits.rules import detect_signals
from tools.control_limits.segmentation import (
    binseg_l2,
    binseg_l2_many,
    default_penalty,
    zscore,
)
from tools.control_limits.xmr import xmr_limits

__all__ = [
    "D2",
    "D2_MEDIAN",
    "D4",
    "D6",
    "E2",
    "E5",
    "RULES",
    "RULE_BEYOND",
    "RULE_RUN",
    "RULE_THREE",
    "Limits",
    "SeriesAnalysis",
    "Signal",
    "Stage",
    "analyze_csv",
    "analyze_many",
    "analyze_series",
    "binseg_l2",
    "binseg_l2_many",
    "default_penalty",
    "detect_signals",
    "detect_stages",
    "xmr_limits",
    "zscore",
]
