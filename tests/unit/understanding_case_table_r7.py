"""Round 7's question → plan cases (qa20b: a newcomer on the demo), each shape also on the grocery company (data only;
run by tests/unit/test_understanding_cases_r7.py with the checks of tests/unit/test_understanding_cases.py)."""

from __future__ import annotations

from typing import Any

from tests.unit.understanding_case_table import LW, TM, D, G

CASES_R7: list[tuple[str, str, dict[str, Any]]] = [
    # one place against all the others: every place ranked on the KPI, that one pointed out
    (D, "how does HOU compare to the other stations on fill rate this month?",
     {"op": "rank", "kpi": "PARTS_FILL_RATE", "at": [], "win": TM, "note": "highlight:HOU:asked"}),
    (G, "how does widzew compare to the other stores on lates last week",
     {"op": "rank", "kpi": "LATE_DELIV", "at": [], "win": LW, "note": "highlight:DS_0417:asked"}),
    (D, "where does DEN rank on mx delays this month?", {"op": "rank", "kpi": "MX_DELAY_MINUTES", "note": "highlight:DEN:asked"}),
    (G, "where does fc-n2 rank on fill rate?", {"op": "rank", "kpi": "FILL_RATE_PCT", "note": "highlight:fc-n2:asked"}),
    (D, "is LAS worse than average on parts fill rate?", {"op": "rank", "kpi": "PARTS_FILL_RATE", "note": "vs:worse"}),
    (G, "is podgorze better than average on uph?", {"op": "rank", "kpi": "PICKS_PLH", "note": "highlight:DS_0311:asked"}),
    (D, "how does DAL stack up against the other stations on otp last week?",
     {"op": "rank", "kpi": "OTP_MX_RATE", "win": LW, "note": "highlight:DAL:asked"}),
    (D, "how are we doing at PHX vs everyone else?", {"op": "compare", "kpis": [], "at": ["PHX"], "note": "vs:rest"}),
    (G, "how is baluty doing compared to the other stores?", {"op": "compare", "kpis": [], "at": ["DS_0422"], "note": "vs:rest"}),
    (D, "and compared to the other stations?", {"op": "compare", "at": ["DEN"], "note": "vs:rest", "prior": ["how is DEN doing?"]}),
    (G, "and vs everyone else?", {"op": "compare", "at": ["fc-s1"], "note": "vs:rest", "prior": ["how is fc-s1 doing?"]}),
    (D, "what about on aog?", {"op": "rank", "kpi": "AOG_EVENTS", "note": "highlight:DEN:asked",
                               "prior": ["how is DEN doing?", "and compared to the other stations?"]}),
    (G, "what about substitutions?", {"op": "rank", "kpi": "SUBST_RATE", "note": "highlight:fc-n2:asked",
                                      "prior": ["how is fc-n2 doing?", "and compared to the other stores?"]}),
    # still a comparison with the company (as before), and a count is no ranking
    (D, "how is DAL doing compared to the network on otp?", {"op": "compare", "kpi": "OTP_MX_RATE", "at": ["DAL", "company"]}),
    (D, "how many days was otp mx at DAL below target last month?",
     {"op": "lookup", "kpi": "OTP_MX_RATE", "at": ["DAL"], "note": "q:days_below:goal"}),
    # the future: no forecast is made, the state now (no past December)
    (D, "what will otp at DAL be next week?", {"op": "lookup", "kpi": "OTP_MX_RATE", "at": ["DAL"], "note": "asks:future"}),
    (G, "forecast fill rate at widzew for december", {"op": "lookup", "kpi": "FILL_RATE_PCT", "at": ["DS_0417"],
                                                      "note": "asks:future"}),
    (G, "are lates at fc-n2 going to improve?", {"op": "lookup", "kpi": "LATE_DELIV", "note": "asks:future"}),
    (D, "otp at DAL since last week", {"op": "lookup", "kpi": "OTP_MX_RATE", "no_note": "asks:future"}),
    (D, "what's the weather going to be in Denver tomorrow?", {"op": "unknown", "unknown": "weather"}),
    (G, "what's the weather going to be in gdansk tomorrow?", {"op": "unknown", "unknown": "weather"}),
    # a count of what a place has is not the KPI named after it
    (D, "how many aircraft does PHX have?", {"op": "unknown", "unknown": "aircraft", "sugg": "AOG_EVENTS"}),
    (G, "how many cold rooms does fc-n2 have?", {"op": "unknown", "unknown": "cold rooms"}),
    (D, "how many maintenance delays did DAL have last week?", {"op": "lookup", "kpi": "MX_DELAY_MINUTES"}),
    # a service metric's numbers over a period or at a moment
    (D, "p99 over the last 24h for checkout-api", {"op": "explain", "svc": ["checkout-api"], "role": "latency",
                                                   "note": "metric:window"}),
    (G, "error rate of payments.gateway yesterday", {"op": "explain", "svc": ["payments.gateway"], "note": "metric:window"}),
    (D, "what was p99 latency on checkout-api at 20:30 yesterday?", {"op": "explain", "note": "metric:at:20:30",
                                                                     "day": "2026-11-19"}),
    (G, "error rate on payments.gateway at 8pm yesterday", {"op": "explain", "note": "metric:at:20:00"}),
    (D, "why did checkout-api p99 jump yesterday?", {"op": "explain", "no_note": "metric:window"}),
    (D, "and over the last 24h?", {"op": "explain", "svc": ["search"], "note": "metric:window",
                                   "prior": ["what's p99 for search right now?"]}),
    (G, "and over the last 24h?", {"op": "explain", "svc": ["route-planner"], "note": "metric:window",
                                   "prior": ["p99 latency of route-planner now"]}),
    # misspelt time words
    (D, "otp mx at phx vs dal last montth", {"op": "compare", "win": ("2026-10-01", "2026-10-31")}),
    (G, "lates at widzew yesterdy", {"op": "lookup", "kpi": "LATE_DELIV", "day": "2026-11-19"}),
    (G, "fill rate at widzew in novmber", {"op": "lookup", "win": TM}),
    # "affected by" / "hit by" asks why
    (D, "was otp at DAL affected by anything last week?", {"op": "explain", "kpi": "OTP_MX_RATE", "win": LW}),
    (G, "were lates at fc-n2 hit by something last week?", {"op": "explain", "kpi": "LATE_DELIV", "win": LW}),
    # yes/no and thresholds
    (D, "is that normal?", {"op": "lookup", "note": "q:control", "day": "2026-11-12",
                            "prior": ["otp at DAL last week", "what was it on the 12th?"]}),
    (G, "is that normal?", {"op": "lookup", "note": "q:control", "prior": ["lates at fc-n2 yesterday"]}),
    (D, "was DAL below its otp goal on any day this week?", {"op": "lookup", "note": "q:days_below:goal"}),
    (G, "was widzew below its fill rate goal on any day this week?", {"op": "lookup", "note": "q:days_below:goal"}),
    (G, "were lates at fc-n2 above 40 on any day last week?", {"op": "lookup", "note": "q:days_above:40"}),
    (D, "what was the lowest otp at DAL this month?", {"op": "lookup", "note": "q:extreme_lowest", "win": TM}),
    (G, "what was the highest lates at fc-n2 this month?", {"op": "lookup", "note": "q:extreme_highest"}),
    (D, "are any stations in the red on tdr?", {"op": "attention", "kpi": "TECH_DISPATCH_RELIABILITY", "at": []}),
    (G, "which stores are struggling on fill rate?", {"op": "attention", "kpi": "FILL_RATE_PCT", "at": []}),
    (D, "which station should I worry about most and why?", {"op": "attention", "kpis": []}),
    (G, "which store should I worry about most?", {"op": "attention", "kpis": []}),
    # people are not in the data (who made a change is)
    (D, "which technician caused the delays at DAL?", {"op": "out_of_scope", "kpis": [], "note": "asks:people"}),
    (D, "how many pilots called in sick at PHX?", {"op": "out_of_scope", "note": "asks:people"}),
    (G, "how many pickers does fc-n2 have", {"op": "out_of_scope", "note": "asks:people"}),
    (G, "who is the store manager at widzew?", {"op": "out_of_scope", "note": "asks:people"}),
    (D, "which engineer deployed to checkout-api yesterday?", {"op": "changelog", "svc": ["checkout-api"]}),
    # a goal named with the KPI's words in between
    (D, "is DAL meeting its otp goal?", {"op": "lookup", "note": "q:goal_meet"}),
    (G, "is widzew below its fill rate target?", {"op": "lookup", "note": "q:goal_below"}),
    # what is normal: the natural process limits; "how badly they're doing" ranks what needs attention
    (D, "what's normal for mx delay minutes at PHX?", {"op": "lookup", "kpi": "MX_DELAY_MINUTES", "note": "q:normal"}),
    (G, "what's the usual range of uph at podgorze?", {"op": "lookup", "kpi": "PICKS_PLH", "note": "q:normal"}),
    (D, "rank the stations by how badly they're doing", {"op": "attention", "kpis": []}),
    (G, "rank the stores by how well they're doing", {"op": "attention", "kpis": []}),
    # places counted against a number, the distance to a goal, abbreviated days
    (D, "any station below 90 on otp today?", {"op": "attention", "kpi": "OTP_MX_RATE", "note": "goal_count:below:90"}),
    (D, "which stations are over 500 on mx delays?", {"op": "attention", "note": "goal_count:below:500"}),
    (G, "which stores are above 99 on fill rate?", {"op": "attention", "note": "goal_count:meet:99"}),
    (D, "how far is HOU from its fill rate goal?", {"op": "lookup", "note": "q:goal_gap"}),
    (G, "how far is widzew from the fill rate target?", {"op": "lookup", "note": "q:goal_gap"}),
    (D, "otp mx rate dallas yday", {"op": "lookup", "day": "2026-11-19"}),
    (G, "lates at fc-n2 yday", {"op": "lookup", "day": "2026-11-19"}),
    (D, "tdr below 98.5 at AUS last week", {"op": "lookup", "win": LW}),  # a number, never 1998-05-…
    (G, "which stores are below 98.5 on fill rate?", {"op": "attention", "note": "goal_count:below:98.5"}),
    (D, "can you book a technician for DAL tomorrow?", {"op": "out_of_scope", "note": "asks:action"}),
    (G, "please restart basket-svc", {"op": "out_of_scope", "note": "asks:action"}),
]
