"""Wheeler XmR control limits with stage detection and signals.

The numeric core (:mod:`tools.control_limits.core`) is pure numpy; CSV loading
for ``opsgraph analyze`` lives in :mod:`tools.control_limits.csvio`.
"""

from tools.control_limits.core import (
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
    analyze_many,
    analyze_series,
    binseg_l2,
    binseg_l2_many,
    default_penalty,
    detect_signals,
    detect_stages,
    xmr_limits,
    zscore,
)
from tools.control_limits.csvio import analyze_csv

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
