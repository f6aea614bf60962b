"""Round 8's question → plan cases (qa21b: a newcomer on the demo — a shift lead handing over, a regional manager,
two periods, follow-ups and corrections, the answer's form, numbers with units), each shape also on the grocery
company (data only; run by tests/unit/test_understanding_cases_r8.py with the checks of
tests/unit/test_understanding_cases.py)."""

from __future__ import annotations

from typing import Any

from tests.unit.understanding_case_table import LW, TM, D, G, R, W

TW = ("2026-11-16", "2026-11-20")  # this week (today is Friday 2026-11-20)
LW2 = ("2026-11-02", "2026-11-15")  # last week and the week before

CASES_R8: list[tuple[str, str, dict[str, Any]]] = [
    # round 7's leftovers: bare and shorthand periods
    (D, "dal tdr wk", {"op": "lookup", "kpi": "TECH_DISPATCH_RELIABILITY", "at": ["DAL"], "win": TW}),
    (G, "lates fc-n2 wk", {"op": "lookup", "kpi": "LATE_DELIV", "at": ["fc-n2"], "win": TW}),
    (D, "otp phx mth", {"op": "lookup", "kpi": "OTP_MX_RATE", "win": ("2026-11-01", "2026-11-20")}),
    (G, "fill rate widzew mth", {"op": "lookup", "kpi": "FILL_RATE_PCT", "win": ("2026-11-01", "2026-11-20")}),
    (D, "aog at HOU l7d", {"op": "lookup", "kpi": "AOG_EVENTS", "win": ("2026-11-13", "2026-11-19")}),
    (G, "lates at fc-n2 l7d", {"op": "lookup", "kpi": "LATE_DELIV", "win": ("2026-11-13", "2026-11-19")}),
    (D, "tdr at DAL last wk", {"op": "lookup", "win": LW}),  # "last wk" stays last week
    (D, "mx delays at DAL ytd", {"op": "lookup", "win": ("2026-01-01", "2026-11-20")}),
    (G, "lates at fc-n2 qtd", {"op": "lookup", "win": ("2026-10-01", "2026-11-20")}),
    # round 7's leftovers: a duration the data does not hold
    (D, "how long do aircraft sit waiting for parts", {"op": "out_of_scope", "kpis": []}),
    (G, "how long do orders wait for picking at widzew", {"op": "out_of_scope", "kpis": []}),
    (D, "how long were the mx delays at DAL last week", {"op": "lookup", "kpi": "MX_DELAY_MINUTES"}),  # minutes: a time
    (D, "how long has otp at DAL been down?", {"op": "lookup", "note": "q:since"}),  # how long a state lasts
    # a shift handing over: the whole organisation's attention list with its open incidents
    (D, "anything I should know before I hand over?", {"op": "attention", "kpis": [], "note": "attention:incidents"}),
    (G, "anything I should know before I hand over?", {"op": "attention", "kpis": [], "note": "attention:incidents"}),
    (D, "hand-over notes for the night shift please", {"op": "attention", "note": "attention:incidents"}),
    (G, "handover notes for widzew", {"op": "attention", "at": ["DS_0417"]}),
    (D, "what should the next shift know?", {"op": "attention", "note": "attention:incidents"}),
    # a regional manager: several stations at once, a grouping it does not know
    (D, "DAL and PHX, how are they trending?", {"op": "attention", "at": ["DAL", "PHX"]}),
    (G, "how are widzew and baluty doing?", {"op": "attention", "at": ["DS_0417", "DS_0422"]}),
    (D, "how are all the Texas stations doing?", {"op": "unknown", "unknown": "Texas"}),
    (D, "which stations are in Texas?", {"op": "unknown", "unknown": "Texas"}),
    (G, "how are all the Silesian stores doing?", {"op": "unknown", "unknown": "Silesian"}),
    (D, "how are the west stations doing?", {"op": "attention", "at": ["WEST"]}),  # a region it knows
    (D, "how are the other stations doing?", {"op": "attention"}),
    # two periods compared
    (D, "was last week better than the week before for DAL otp?", {"op": "lookup", "win": LW2, "note": "q:period_better"}),
    (G, "were lates at fc-n2 last week worse than the week before?", {"op": "lookup", "win": LW2, "note": "q:period_worse"}),
    (D, "how does this week compare to last week at PHX?", {"op": "compare", "at": ["PHX"], "note": "all_kpis",
                                                           "win": ("2026-11-09", "2026-11-20")}),
    (G, "how does this week compare to last week at widzew?", {"op": "compare", "at": ["DS_0417"], "note": "all_kpis"}),
    (D, "how many AOG events did we have network-wide last month, and how does that compare to last year?",
     {"op": "lookup", "at": ["company"], "win": ("2026-10-01", "2026-10-31"), "note": "q:yoy"}),
    # follow-ups and corrections in a thread
    (D, "since when?", {"op": "lookup", "kpi": "OTP_MX_RATE", "at": ["DAL"], "note": "q:since",
                        "prior": ["otp at DAL last week", "why?"]}),
    (G, "since when?", {"op": "lookup", "kpi": "LATE_DELIV", "at": ["fc-n2"], "note": "q:since",
                        "prior": ["lates at fc-n2 last week"]}),
    (D, "no, I meant PHX", {"op": "compare", "at": ["PHX"], "note": "all_kpis", "win": LW,
                            "prior": ["how did DAL do last week?"]}),
    (G, "no, I meant baluty", {"op": "compare", "at": ["DS_0422"], "win": LW, "prior": ["how did widzew do last week?"]}),
    (D, "no, I meant aog not tdr", {"op": "lookup", "kpis": ["AOG_EVENTS"], "at": ["DAL"], "win": LW,
                                    "prior": ["tdr at DAL last week"]}),
    (G, "sorry, I meant fill rate", {"op": "lookup", "kpis": ["FILL_RATE_PCT"], "at": ["fc-n2"], "win": LW,
                                     "prior": ["lates at fc-n2 last week"]}),
    (D, "sorry I meant HOU not DAL", {"op": "compare", "at": ["PHX", "HOU"], "prior": ["otp at PHX vs DAL last week"]}),
    (D, "no I meant last month", {"op": "lookup", "kpi": "OTP_MX_RATE", "win": ("2026-10-01", "2026-10-31"),
                                  "prior": ["otp at DAL last week"]}),
    (D, "is that a lot?", {"op": "lookup", "kpi": "DEFERRED_ITEMS", "note": "q:size:high",
                           "prior": ["deferred items at DAL right now"]}),
    (G, "is that bad?", {"op": "lookup", "kpi": "LATE_DELIV", "note": "q:size:bad", "prior": ["lates at fc-n2 yesterday"]}),
    (D, "is aog at PHX higher than normal?", {"op": "lookup", "kpi": "AOG_EVENTS", "note": "q:size:high"}),
    (D, "is otp at DAL worse than usual?", {"op": "lookup", "kpi": "OTP_MX_RATE", "note": "q:size:worse"}),
    (G, "are lates at fc-n2 unusually high?", {"op": "lookup", "kpi": "LATE_DELIV", "note": "q:size:high"}),
    (D, "compared to what?", {"op": "lookup", "kpi": "DEFERRED_ITEMS", "note": "q:normal",
                              "prior": ["deferred items at DAL right now"]}),
    # the answer's form
    (D, "otp at DAL last week in one sentence", {"op": "lookup", "note": "form:brief", "win": LW}),
    (G, "tl;dr lates at fc-n2 last week", {"op": "lookup", "note": "form:brief"}),
    # numbers with units and targets
    (D, "is parts fill rate at DAL above 90%?", {"op": "lookup", "kpi": "PARTS_FILL_RATE", "note": "q:vs:above:90:pct"}),
    (D, "are we under 2% on mx cancellations?", {"op": "lookup", "kpi": "MX_CANCELLATIONS", "note": "q:vs:below:2:pct"}),
    (G, "is fill rate at widzew above 99%?", {"op": "lookup", "kpi": "FILL_RATE_PCT", "note": "q:vs:above:99:pct"}),
    (G, "are lates at fc-n2 under 5%?", {"op": "lookup", "kpi": "LATE_DELIV", "note": "q:vs:below:5:pct"}),
    (D, "was otp at DAL below 93 last week?", {"op": "lookup", "note": "q:vs:below:93", "win": LW}),
    (D, "was DAL below its otp goal on any day this week?", {"op": "lookup", "note": "q:days_below:goal",
                                                              "no_note": "q:vs:below:goal"}),
    # the worst N days, not only the worst one
    (D, "what were the worst 5 days for otp at DAL this year?", {"op": "lookup", "note": "q:extreme_n:5",
                                                                 "win": ("2026-01-01", "2026-11-20")}),
    (G, "worst three days for lates at fc-n2 this month", {"op": "lookup", "note": "q:extreme_n:3"}),
    # things it cannot answer: said, not guessed
    (D, "which aircraft tail numbers had the most AOG events?", {"op": "rank", "note": "asks:breakdown:aircraft tail numbers"}),
    (G, "lates by courier last week", {"op": "lookup", "note": "asks:breakdown:courier"}),
    (D, "which station had the most aog last month?", {"op": "rank", "no_note": "asks:breakdown:station"}),
    (D, "can you email this to my manager?", {"op": "out_of_scope", "note": "asks:action"}),
    (G, "please forward this to the widzew manager", {"op": "out_of_scope", "note": "asks:action"}),
    # how long incidents take to resolve (MTTR): the incidents' times, never the tickets' unless tickets are named
    (D, "what's our average time to resolve incidents?", {"op": "incident_list", "note": "incident:resolve_time",
                                                          "nowin": True}),
    (R, "mean time to resolve (MTTR) this month", {"op": "incident_list", "note": "incident:resolve_time", "win": TM}),
    (G, "MTTR this month", {"op": "incident_list", "note": "incident:resolve_time", "win": TM}),
    (W, "what's our MTTR by priority?", {"op": "incident_list", "note": "incident:by:severity"}),
    (R, "incident MTTR per service", {"op": "incident_list", "note": "incident:by:service"}),
    (R, "how long do outages take to fix on ledger-svc?", {"op": "incident_list", "note": "incident:resolve_time",
                                                           "svc": ["ledger-svc"]}),
    (D, "how long do incidents take to fix on payments?", {"op": "incident_list", "note": "incident:resolve_time",
                                                           "svc": ["payments"]}),
    (G, "how quickly do we fix outages?", {"op": "incident_list", "note": "incident:resolve_time"}),
    (D, "average time to recover from sev1 incidents this year", {"op": "incident_list", "sev": ["sev1"],
                                                                  "note": "incident:resolve_time"}),
    (R, "and by priority?", {"op": "incident_list", "note": "incident:by:severity", "win": TM,
                             "prior": ["MTTR this month"]}),
    (R, "what about last month?", {"op": "incident_list", "note": "incident:resolve_time",
                                   "win": ("2026-10-01", "2026-10-31"), "prior": ["MTTR this month"]}),
    (D, "average time to resolve tickets", {"op": "ticket_stats", "note": "ticket_time:resolution",
                                            "no_note": "incident:resolve_time"}),
    (R, "what's the average resolution time this week", {"op": "ticket_stats", "no_note": "incident:resolve_time"}),
    (D, "how many incidents this month", {"op": "incident_list", "count": True, "no_note": "incident:resolve_time"}),
    (D, "how long does an outage take to fix on average?", {"op": "incident_list", "note": "incident:resolve_time"}),
    # … but one incident named by words is that incident's own length
    (D, "how long did the checkout outage take to fix?", {"op": "incident_status", "inc": ["INC-2045"],
                                                          "no_note": "incident:resolve_time"}),
    (R, "how long did it take to fix the last outage?", {"op": "incident_status", "inc": ["OUT-78"],
                                                         "no_note": "incident:resolve_time"}),
    (R, "how long did the seat reservation outage take to resolve?", {"op": "incident_status", "inc": ["OUT-77"]}),
    (R, "why did OUT-77 happen?", {"op": "incident_cause", "inc": ["OUT-77"]}),
    (G, "root cause of PD-88412", {"op": "incident_cause", "inc": ["PD-88412"]}),
]
