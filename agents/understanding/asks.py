"""What a question asks beyond its operation, as plan notes the specialists read (gaps13): a yes/no question
(``yesno``), what one KPI series question asks (``q:trend``/``q:since``/``q:control``/``q:goal_*``/``q:spikes``/
``q:extreme_*``), "A better than B" (``q:better_than``), rollbacks (``only:rollback``, ``asks:rolled_back``), a
person's changes (``person:<name>``), people or services ranked by their changes (``rank:people``,
``rank:services``); and the ticket-search phrasings the parser routes to ``ticket_search``.

Plain English only: nothing here knows an organisation's names (a person is a handle as written, never looked up).
"""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import Operation, QueryPlan, Window
from agents.understanding.catalog import Catalog
from agents.understanding.cues import _BLAME, _I, _TOPN, _WORDN, RELATED_TO_CHANGE

_Q_TREND = re.compile(r"\b(?:getting|get|gotten|got|becoming|become)\s+(better|worse)\b|\b(improv\w*|recover\w*|"
                      r"deteriorat\w*|worsen\w*)\b|\btrend\w*\s+(?:up|down|better|worse)\b|\btrend(?:s|ing)?\b|\btrajectory\b", _I)
_Q_SINCE = re.compile(r"\bsince\s+when\b|\bhow\s+long\b|\bwhen\s+did\b.*\b(?:start|begin|began)\b", _I)
# "how long has X been below goal / under target / above 5% / missing its goal / meeting the target?": the side
# and the level (the KPI's goal, or a number) whose current stretch the answer dates, over the whole history
_SINCE_SIDE = re.compile(r"\b(below|under(?!\s+control)|less\s+than|lower\s+than|above|over|more\s+than|higher\s+than|"
                         r"exceed\w*|short\s+of|missing|miss(?:es|ed)?|behind|off|not\s+(?:meeting|hitting|making|reaching|at|on)|"
                         r"meeting|meets?|hitting|hits?|making|reach\w*|on|at)\s+(?:the\s+|its\s+|our\s+|their\s+|a\s+)?"
                         r"(?:(\d+(?:\.\d+)?)\s*%?(?!\s*(?:days?|weeks?|months?|years?))|(?:(?!(?:been|is|was|are|were|has|have|it|below|under|above|over|short|missing|behind|off|meeting|at|on)\b)[\w.%-]+\s+){0,3}?"
                         r"(?:goal|target)s?\b)", _I)


def since_side(q: str) -> list[str]:
    """``q:since_side:<below|above|short|meet>:<goal|number>`` for a "how long / since when" question that names a
    goal, target or number to be on one side of; [] when none is named."""
    m = _SINCE_SIDE.search(q)
    if m is None:
        return []
    word = m.group(1).lower()
    side = ("below" if re.match(r"below|under|less|lower", word) else "above" if re.match(r"above|over|more|higher|exceed", word)
            else "short" if re.match(r"short|miss|behind|off|not", word) else "meet")
    if m.group(2) is not None and side in ("meet", "short"):
        return []  # "how long has it been at 93%?": a level, not a side of it
    return [f"q:since_side:{side}:{m.group(2) or 'goal'}"]


_Q_CONTROL = re.compile(r"\b(?:in|out\s+of)\s+(?:statistical\s+)?control\b|\b(?:un)?stable\b|\bpredictable\b|\bsteady\b|"
                        r"\bsettled\b|\bconsistent\b|"
                        r"\b(?:is|was|are|were)\s+(?:that|this|it|these|those)\s+(?:\w+\s+)?(?:normal|usual|typical|expected|"
                        r"unusual|abnormal|ok(?:ay)?)\b", _I)  # "is that normal?" after a value
# "is that a lot?", "is that high?", "is that bad?" after a value: against its usual level, its range and its goal
_Q_SIZE = re.compile(r"\b(?:is|was|are|were)\s+(?:that|this|it|these|those)\s+(?:\w+\s+)?(a\s+lot|much|many|high|low|bad|"
                     r"good|worrying|concerning|too\s+(?:high|low|much|many))\b", _I)
_Q_GOAL_BELOW = re.compile(r"\b(?:below|under|short\s+of|missing|miss(?:es|ed)?|behind|off)\s+(?:the\s+|its\s+|our\s+|their\s+)?"
                           r"(?:[\w.%-]+\s+){0,3}?(?:goal|target)s?\b", _I)
_Q_GOAL_MEET = re.compile(r"\b(?:meeting|meets?|hitting|hits?|on|at|above|making|reach\w*)\s+(?:the\s+|its\s+|our\s+|their\s+)?"
                          r"(?:[\w.%-]+\s+){0,3}?(?:goal|target)s?\b", _I)
_Q_SPIKES = re.compile(r"\b(?:spikes?|spiked|outliers?|anomal\w*|unusual\s+(?:days?|values?|points?)|"
                       r"beyond\s+(?:the\s+)?limits|out\s+of\s+(?:the\s+)?limits)\b", _I)
_CHANGE_RANK = re.compile(r"\b(improv\w*|deteriorat\w*|worsen\w*|got\s+worse)\b.*\bmost\b|\bmost\s+(improved)\b|"
                          r"\b(?:biggest|largest|most|greatest)\s+(improvement|drop|decline|fall|decrease|deterioration|"
                          r"increase|jump|rise|gain|change)\b|"
                          r"\b(?:are|is|were)\s+(?:getting\s+|becoming\s+)?(worse|better|improving|deteriorating|declining|"
                          r"worsening)\b|"
                          r"\b(dropp?ed|fell|declined|decreased|rose|jumped|increased|climbed)\s+(?:the\s+)?most\b",
                          _I)  # "which stations are getting worse on X?", "which branch dropped most?": by their change
# "rollback candidates?", "what should we roll back?": the changes that might need it, not the past rollbacks
_TO_ROLL_BACK = re.compile(r"\broll[- ]?back\s+candidates?\b|\bcandidates?\s+(?:for|to)\s+(?:a\s+)?roll[- ]?back\b|"
                          r"\b(?:should|could|can|must)\s+(?:we|i|you)\s+roll\s*back\b|\bworth\s+rolling\s+back\b|"
                          r"\b(?:what|which)\b[^?]*\bto\s+roll\s*back\b", _I)
EXPLAIN_ASKED = _EXPLAIN_ASKED = re.compile(r"\bwhy\b|\bcaus\w*|\bexplain\w*|\bwhat\s+(?:changed|happened)\b|\breasons?\b|\bbehind\b|"
                            r"\broot\b|\bculprit\b|\bled\s+to\b|\bdue\s+to\b|\bbecause\s+of\b|" + RELATED_TO_CHANGE, _I)


_NOT_A_PERSON = {"anyone", "anybody", "someone", "somebody", "we", "they", "you", "i", "the", "any", "anything", "it",
                 "there", "he", "she", "our", "team", "a", "an", "all", "everyone", "nobody", "who", "what", "which",
                 # time words before a possessive ("yesterday evening's deploys", "this week's changes")
                 "morning", "afternoon", "evening", "night", "tonight", "overnight", "today", "yesterday", "tomorrow",
                 "week", "weekend", "month", "quarter", "year", "day", "monday", "tuesday", "wednesday", "thursday",
                 "friday", "saturday", "sunday", "last", "this", "next"}


def _person(q: str, cat: Catalog) -> str | None:
    """Who a change question is about, when it names someone where a person goes: after "by" ("deploys by lena"),
    between "did/has" and a change verb ("did lena.fischer deploy …", "how many config changes did alice make"), or
    with a possessive ("marta's deploys"). Never a service or a config key; never looked up."""
    services = {s.lower() for s in cat.services} | {k.lower() for k in cat.config_keys}
    name = r"([a-z][\w.@-]*)"
    m = (re.search(rf"\b(?:made|done|deploy\w*|chang\w*|push\w*|ship\w*|releas\w*|commit\w*|rollbacks?|edits?)\s+by\s+"
                   rf"{name}", q, _I)
         or re.search(rf"\b(?:did|has|have|had)\s+{name}\s+(?:deploy|change|push|ship|releas|touch|roll|edit|modif|make|"
                      r"made|do\b|done)", q, _I)
         or re.search(rf"\b{name}['’]s\s+(?:deploy\w*|changes?|config\w*|releases?|rollbacks?)\b", q, _I)
         or re.search(rf"\b(?:changes?|deploy\w*|releases?|commits?|rollbacks?)\s+(?:that\s+)?{name}\s+(?:has\s+|have\s+|had\s+)?"
                      r"(?:made|did|done|pushed|shipped|deployed|ran)\b", q, _I))  # "every change lena.fischer made"
    word = m.group(1).rstrip(".-").lower() if m else ""
    if word and word not in _NOT_A_PERSON and word not in services and "_" not in word:
        return word
    return None


def _kpi_question(q: str) -> list[str]:
    """What a question about one KPI series asks, beyond its value (``q:`` notes for the KPI analyst's first line)."""
    if _EXPLAIN_ASKED.search(q):
        return []
    if _Q_SPIKES.search(q):
        return ["q:spikes"]
    if m := re.search(r"\b(worst|best|highest|lowest|busiest|quietest|top)\s+(\d{1,2}|two|three|four|five|six|seven|eight|"
                      r"nine|ten)\s+days\b", q, _I):
        word = "highest" if m.group(1).lower() == "top" else m.group(1).lower()  # "the worst 5 days for X this year"
        n = int(m.group(2)) if m.group(2).isdigit() else {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                                                          "eight": 8, "nine": 9, "ten": 10}[m.group(2).lower()]
        return [f"q:extreme_{word}", "q:extreme_unit_day", f"q:extreme_n:{n}"]
    if m := re.search(r"\b(worst|best|highest|lowest|busiest|quietest|peak)\s+(day|week|month)\b", q, _I):
        return [f"q:extreme_{m.group(1).lower()}", f"q:extreme_unit_{m.group(2).lower()}"]
    if m := re.search(r"\bwhat\s+(?:was|is|were|are|'s)\s+(?:the\s+|its\s+|our\s+)?(lowest|highest|worst|best|peak|"
                      r"max(?:imum)?|min(?:imum)?)\b(?!\s+(?:week|month|station|site|region))", q, _I):
        word = m.group(1).lower()  # "what was the lowest otp at <site> this month": that day
        word = "highest" if word.startswith("max") else "lowest" if word.startswith("min") else word
        return [f"q:extreme_{word}", "q:extreme_unit_day"]
    if re.search(r"\bwhat(?:'s|\s+is|\s+are)\s+(?:the\s+)?(?:normal|typical|usual|expected)\b|\b(?:normal|usual|typical|"
                 r"expected)\s+(?:range|level|values?|band)\b", q, _I):
        return ["q:normal"]  # "what's normal for X at <site>?", "the usual range of X": its natural process limits
    if _Q_SINCE.search(q):
        return ["q:since", *since_side(q)]  # "how long has X been below goal?": the whole history looked back over
    if m := _Q_TREND.search(q):
        word = (m.group(1) or m.group(2) or "").lower()
        if not word:
            return ["q:trend"]
        better = word == "better" or word.startswith(("improv", "recover"))
        return ["q:trend", "q:trend_better" if better else "q:trend_worse"]
    if _Q_CONTROL.search(q):
        return ["q:control"]
    if m := re.search(r"\b(higher|more|above|lower|less|fewer|below|worse|better)\s+than\s+(?:normal|usual|expected|typical)\b|"
                      r"\bunusually\s+(high|low)\b", q, _I):
        word = (m.group(1) or m.group(2)).lower()  # "is aog at PHX higher than normal?": against its usual level
        return [f"q:size:{'high' if word in ('higher', 'more', 'above', 'high') else 'low' if word in ('lower', 'less', 'fewer', 'below', 'low') else word}"]
    if m := _Q_SIZE.search(q):
        word = m.group(1).lower().split()[-1]
        return [f"q:size:{'high' if word in ('lot', 'much', 'many', 'high') else 'bad' if word in ('worrying', 'concerning') else word}"]
    if re.search(r"\bhow\s+(?:far|much)\b.*\b(?:from|off|short\s+of|below|above|to)\s+(?:the\s+|its\s+|our\s+|their\s+)?"
                 r"(?:[\w.%-]+\s+){0,3}?(?:goal|target)s?\b|\b(?:gap|distance)\s+to\s+(?:the\s+|its\s+)?(?:[\w.%-]+\s+){0,3}?"
                 r"(?:goal|target)s?\b", q, _I):
        return ["q:goal_gap"]  # "how far is <site> from its X goal?": by how much, latest and centre
    if _Q_GOAL_BELOW.search(q):
        return ["q:goal_below"]
    if _Q_GOAL_MEET.search(q):
        return ["q:goal_meet"]
    return []


# the window of "this week vs the week before", "last month compared with the month before" (timewords' labels)
_TWO_PERIODS = re.compile(r"^(?:this|last) (week|month|year) and the \1 before$")


def two_periods(w: Window) -> bool:
    """Whether ``w`` is two periods said against each other: "this week and the week before", "october vs
    november", "yesterday vs the day before" (each period's value side by side, not one over both)."""
    return bool(_TWO_PERIODS.match(w.label) or (" vs " in f" {w.label} " and not w.single_day))


_YESNO = re.compile(r"^\W*(?:so\s+|and\s+|ok(?:ay)?,?\s+|hey,?\s+)?(?:were|was|is|are|did|does|do|has|have|had|any|"
                    r"anything|anyone|anybody|can|could|will)\b", _I)
# "were any passwords or secrets changed this month?", "did anyone rotate credentials": secret keys' changes
SECRET_CHANGED = (r"\b(?:secrets?|passwords?|credentials?|api[- ]keys?|tokens?)\b(?:\s+[\w-]+){0,3}?\s+(?:been\s+|got\s+)?"
                  r"(?:changed|rotated|reset|updated|modified)\b|\b(?:chang|rotat|reset|updat)\w*\s+(?:any\s+|the\s+|our\s+|a\s+)?"
                  r"(?:secrets?|passwords?|credentials?|api[- ]keys?|tokens?)\b")
_ROLLBACK = re.compile(r"\b(?:rollbacks?|roll(?:ed)?[- ]?backs?|roll(?:ed|ing|s)?\s+back|revert(?:s|ed)?)\b", _I)


_COST = re.compile(r"\bcosts?\b|\bcost\s+us\b|\bspend\w*|\bexpens\w*|\bbudget\w*|\bdollars?\b|\beuros?\b|\bmoney\b|"
                   r"\bprice\w*|\brevenue\b|[$€£]", _I)
# "tickets about login problems", "any tickets mentioning refunds?", "support cases regarding invoices"
# "why are customers complaining about codes not working?", "what are users saying about the app?", "complaints
# about late refunds": the tickets on that topic
_COMPLAINT_TOPIC = re.compile(r"\b(?:customers?|users?|people|clients?|members?|guests?|patients?|couriers?|drivers?|"
                              r"riders?|passengers?|shoppers?|callers?)\s+(?:are\s+|were\s+|keep\s+|have\s+been\s+|"
                              r"been\s+)?(?:complain(?:ing)?|moaning|saying|writing\s+in|calling(?:\s+in)?|unhappy|upset|"
                              r"angry|asking)\s+(?:about|over|regarding|re:?)\s+(.{3,200})$|"
                              r"\bcomplaints?\s+(?:about|over|regarding|re:?)\s+(.{3,200})$", _I)
_TICKET_TOPIC = re.compile(r"\b(?:tickets?|support\s+cases?|cases)\s+"
                           r"(?:(?:from|for|by|of)\s+(?:[\w-]+\s+){0,2}?(?:customers?|clients?|accounts?|users)\s+)?"  # who raised them
                           r"(?:that\s+(?:mention|talk\s+about|are\s+about)\s+|"
                           r"(?:(?:that|which)\s+)?(?:are|is|were|was)\s+(?:about|regarding|related\s+to|mentioning)\s+|"
                           r"(?:do|did|have)\s+we\s+(?:have|had|get|got|gotten|received)\s+(?:about|regarding|on|for)\s+|"
                           r"(?:about|regarding|mention(?:s|ing|ed)?|related\s+to|concerning|on(?!\s+hold\b)|like|containing|re:?)\s+"
                           r"(?:the\s+(?:topic|word|subject)\s+)?)(.{3,200})$", _I)
_EVER = re.compile(r"\b(?:record|all[- ]time)\s+(low|high|worst|best)\b|\b(lowest|highest|worst|best)\b(?:\s+[\w-]+){0,5}\s+"
                   r"(?:ever|on\s+record)\b", _I)
_LAST_TIME = re.compile(r"\bwhen\s+(?:was|did)\s+(?:the\s+)?last\s+time\b.*?\b(below|under|less\s+than|lower\s+than|above|over|"
                        r"more\s+than|higher\s+than|beyond)\s+(?:the\s+|its\s+)?(?:(\d+(?:\.\d+)?)\s*%?|goal|target)", _I)
_DEFINE = re.compile(r"\bwhat\s+(?:does|do|is|are)\s+(?:the\s+|a\s+|an\s+)?[\w\s-]{1,40}?\s+(?:mean|stand\s+for)\b|"
                     r"\bmeaning\s+of\b|\bdefin(?:e|ition|ed)\b|\bhow\s+(?:is|are|do\s+(?:we|you))\s+[\w\s-]{1,40}?\s*"
                     r"(?:calculated|computed|measured|defined|calculate|compute|measure)\b|\bwhat\s+is\s+(?:a|an)\s+\w+$|"
                     r"\bexplain\s+what\b", _I)
# "how many days was X below 90 this month?", "days above goal": the days of the window beyond that value
_DAYS_BEYOND = re.compile(r"(?:\bhow\s+many\s+(?:days|times)|\bhow\s+often|\b(?:number|count)\s+of\s+days|(?:%|\bpercent\w*|"
                          r"\bshare|\bproportion|\bfraction)\s+of\s+(?:the\s+)?days|\b(?:on\s+)?any\s+days?|\bever)\b.*?\b(below|under|less\s+than|lower\s+than|"
                          r"fewer\s+than|short\s+of|above|over|more\s+than|higher\s+than|beyond|exceed\w*)\s+(?:the\s+|its\s+|our\s+)?"
                          r"(?:(\d+(?:\.\d+)?)\s*%?|(?:[a-z][\w-]*\s+){0,3}?(?:goal|target))", _I)
# "how many days were we at goal last month?", "how often did <site> miss its target?": days meeting / short of the goal
_DAYS_AT_GOAL = re.compile(r"(?:\bhow\s+many\s+(?:days|times)|\bhow\s+often|\b(?:number|count)\s+of\s+days|(?:%|\bpercent\w*|"
                           r"\bshare|\bproportion|\bfraction)\s+of\s+(?:the\s+)?days)\b.*?\b(at|on|meeting|meets?|met|hitting|hits?|"
                           r"making|made|reach\w*|missing|miss(?:es|ed)?|off)\s+(?:the\s+|its\s+|our\s+|their\s+)?"
                           r"(?:[a-z][\w-]*\s+){0,3}?(?:goal|target)s?\b", _I)
# "is parts fill rate at <site> above 90%?", "are we under 2% on <KPI>?": a number against the series
_IS_BEYOND = re.compile(r"\b(below|under|less\s+than|lower\s+than|fewer\s+than|above|over|more\s+than|higher\s+than|"
                        r"at\s+least|at\s+most)\s+(\d+(?:\.\d+)?)\s*(%|\s*percent\b|\s*pct\b)?(?!\s*(?:days?|times|of\s+the))", _I)
# "was <site> below its X goal on any day this week?": the same count, the days named after the threshold
_DAYS_BEYOND_AFTER = re.compile(r"\b(below|under|less\s+than|lower\s+than|fewer\s+than|short\s+of|above|over|more\s+than|"
                                r"higher\s+than|beyond|exceed\w*)\s+(?:the\s+|its\s+|our\s+|their\s+)?(?:(\d+(?:\.\d+)?)\s*%?|"
                                r"(?:[a-z][\w-]*\s+){0,3}?(?:goal|target))\b.*?\b(?:on\s+)?(?:any|some|how\s+many)\s+days?\b", _I)
_TICKETS_LIKE = re.compile(r"\b(?:tickets|cases)\s+(?:like|similar\s+to|resembling)\b|\bsimilar\s+(?:tickets|cases)\b|"
                           r"\b(?:other|more)\s+(?:tickets|cases)\b|\btickets?\s+like\b", _I)


def annotate(q: str, plan: QueryPlan, cat: Catalog, today: dt.date) -> Operation:
    """Add the notes above to ``plan`` (its operation already chosen); returns the operation, which becomes
    ``lookup`` for a question about one KPI series that asks more than its value ("is it getting better?")."""
    op = plan.operation
    if (op == "clarify" and plan.clarification is not None and plan.clarification.kind == "service"
            and _ROLLBACK.search(q) and plan.window is None):
        # "were there any rollbacks?" with no service and no period: every service, the last 30 days (said so)
        plan.window = Window(start=today - dt.timedelta(days=29), end=today, label="in the last 30 days")
        plan.clarification, plan.operation = None, "changelog"
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")]
        op = "changelog"
    if (op == "clarify" and plan.clarification is not None and plan.clarification.kind == "service"
            and plan.window is None and re.search(SECRET_CHANGED, q, _I)):
        plan.window = Window(start=today - dt.timedelta(days=29), end=today, label="in the last 30 days")
        plan.clarification, plan.operation = None, "changelog"  # "any passwords changed?": every service, 30 days
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")]
        op = "changelog"
    if (op == "clarify" and plan.clarification is not None and plan.clarification.kind == "service"
            and plan.window is None and _person(q, cat)):
        # "what did j.okafor change?" with no service and no period: that person's changes, the last 30 days
        plan.window = Window(start=today - dt.timedelta(days=29), end=today, label="in the last 30 days")
        plan.clarification, plan.operation = None, "changelog"
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")]
        op = "changelog"
    if (plan.kpis and op in ("lookup", "explain") and plan.window is not None and _TWO_PERIODS.match(plan.window.label)
            and not _EXPLAIN_ASKED.search(q)
            and (m := re.search(r"\b(more|fewer|less|higher|lower|bigger|smaller|better|worse)\b.*\bthan\b", q, _I))):
        plan.notes.append(f"q:period_{m.group(1).lower()}")  # "were there more AOG events this week than last week?"
        plan.operation = op = "lookup"  # "was last week worse than the week before": both periods, not a story
    elif (plan.kpis and op == "lookup" and plan.window is not None and _TWO_PERIODS.match(plan.window.label)
            and re.search(r"\b(?:go|goes|went|gone|going)\s+(?:up|down)\b|\b(?:increas|decreas|chang|differ|grow|grew|"
                          r"rise|rose|fall|fell|drop)\w*|\bpercent\w*|%|\bhow\s+much\s+(?:more|less|higher|lower)\b", q, _I)):
        plan.notes.append("q:period_change")  # "how much did X go up vs last month in percent": the change, in %
    elif (plan.kpis and op in ("lookup", "explain") and plan.window is not None and not _EXPLAIN_ASKED.search(q)
          and re.match(r"this (week|month) and", plan.window.label) and len(plan.subjects.scopes) <= 1):
        plan.notes.append("q:period_vs")  # "X this week vs last": the two periods head to head, the partial one said
        plan.operation = op = "lookup"
    if plan.kpis and op == "rank" and (m := _CHANGE_RANK.search(q)):
        word = (m.group(1) or m.group(2) or m.group(3) or m.group(4) or m.group(5) or "").lower()  # "which station improved most …?"
        how = ("better" if word.startswith(("improv", "better")) else "worse" if word.startswith(("deteriorat", "wors", "got"))
               else "down" if word.startswith(("drop", "declin", "fall", "fell", "decreas"))
               else "up" if word.startswith(("increas", "jump", "rise", "rose", "gain", "climb")) else "any")
        plan.notes.append(f"rank:change_{how}")
    if (op == "compare" and plan.kpis and plan.window is not None and plan.window.label.endswith("against a year earlier")
            and len({x.code or x.level for x in plan.subjects.scopes}) <= 1):
        op = plan.operation = "lookup"  # "network-wide last month, and how does that compare to last year": one scope
    if plan.kpis and op in ("lookup", "explain") and not _EXPLAIN_ASKED.search(q) and plan.window is not None and (
            plan.window.label.endswith("against a year earlier") or re.fullmatch(r"the last \d+ \w+ and the \d+ before", plan.window.label)):
        plan.notes.append("q:yoy" if plan.window.label.endswith("year earlier") else "q:halves")  # both, compared
        return "lookup"
    if plan.kpis and op in ("lookup", "explain", "rank") and not (op == "rank" and plan.group_by and not plan.subjects.scopes) \
            and (asked := _kpi_question(q)):
        plan.notes += asked  # "is it getting better?", "since when …", "in control?", "below goal?", "any spikes?"
        plan.operation = op = "lookup"
    if plan.kpis and op in ("lookup", "explain", "attention") and len(plan.subjects.scopes) <= 1 and (
            m := _DAYS_BEYOND.search(q) or _DAYS_BEYOND_AFTER.search(q) or _DAYS_AT_GOAL.search(q)):
        side = ("below" if re.match(r"below|under|less|lower|fewer|short", m.group(1), _I) else "short"
                if re.match(r"miss|off", m.group(1), _I) else "meet" if m.re is _DAYS_AT_GOAL else "above")
        level = m.group(2) if m.re is not _DAYS_AT_GOAL and m.group(2) else "goal"
        plan.notes.append(f"q:days_{side}:{level}")  # "how many days was X below 90?", "… at goal?"
        plan.operation = op = "lookup"
    if (plan.kpis and op in ("lookup", "explain") and len(plan.subjects.scopes) <= 1 and _YESNO.match(q)
            and not any(n.startswith(("q:days_", "q:goal", "q:extreme")) for n in plan.notes) and (m := _IS_BEYOND.search(q))):
        side = "below" if re.match(r"below|under|less|lower|fewer|at\s+most", m.group(1), _I) else "above"
        pct = ":pct" if m.group(3) else ""
        plan.notes.append(f"q:vs:{side}:{m.group(2)}{pct}")  # "is fill rate at <site> above 90%?": Yes/No first
        plan.operation = op = "lookup"
    ever, last = _EVER.search(q), _LAST_TIME.search(q)
    if plan.kpis and op in ("lookup", "explain") and len(plan.subjects.scopes) <= 1 and not _EXPLAIN_ASKED.search(q) and (
            ever or last):
        if ever:  # "what's the record low for fill rate at LAS?": the extreme day of the whole history
            said = (ever.group(1) or ever.group(2)).lower()
            plan.notes += [f"q:extreme_{ {'low': 'lowest', 'high': 'highest'}.get(said, said)}", "q:extreme_unit_day"]
        elif last:  # "when was the last time on-time rate at <site> was above 95?": the latest day beyond that value
            side = "below" if re.match(r"below|under|less|lower", last.group(1), _I) else "above"
            plan.notes.append(f"q:last_beyond:{side}:{last.group(2) if last.group(2) else 'goal'}")
        plan.window = Window(start=today - dt.timedelta(days=3650), end=today, label="its whole history", explicit=False)
        plan.operation = op = "lookup"
    if plan.kpis and op in ("lookup", "attention", "explain") and len(plan.subjects.scopes) <= 1 and (_DEFINE.search(q) or (
            not plan.subjects.scopes and plan.window is None
            and re.fullmatch(r"\W*what(?:'s|\s+is|\s+are)\s+(?:an?\s+)?[\w\s-]{1,40}?\W*", q, _I))):
        plan.notes.append("q:define")  # "what does TDR mean?", "how is fill rate calculated?": the KPI's definition
        plan.operation = op = "lookup"
    if plan.kpis and op == "lookup" and re.search(r"\b(?:per|a|each)\s+day\b|\bdaily\s+(?:average|mean)\b|"
                                                  r"\baverage\s+(?:per\s+)?day\b", q, _I):
        plan.notes.append("q:per_day")  # "average MX delay per day this month" for a summed KPI: the total ÷ days
    if plan.kpis and (m := re.search(r"\bin\s+(hours|hrs|days)\b", q, _I)):
        plan.notes.append(f"unit:{'hours' if m.group(1).lower().startswith('h') else 'days'}")  # "delay in hours"
    if op == "compare" and (m := re.search(r"\b(better|worse)\s+than\b", q, _I)) and len(plan.subjects.scopes) >= 2:
        plan.notes.append(f"q:{m.group(1).lower()}_than")  # "is phoenix better than dallas on X?": the first named
    if (plan.kpis and op in ("lookup", "explain", "rank", "compare") and _COST.search(q)
            and not any(_COST.search(" ".join(cat.kpis.get(k, []))) for k in plan.kpis)):
        plan.notes.append("asks:cost")  # "what did the delays cost us?": no money in the data, said before the minutes
    if op == "changelog" and re.search(r"\bapprov\w*|\bsign(?:ed)?[- ]?off\b|\bauthori[sz]ed\b", q, _I):
        plan.notes.append("asks:approval")  # "who approved the change?": approvals are not recorded, who made it is
    if re.search(r"\bwho\s+(?:was|is|were|are)\s+(?:on\s+(?:it|this|that)|working\s+on|handling|assigned)\b|\bassignee\b|"
                 r"\bwho\s+(?:handled|handles|worked\s+on|took|owned|owns|responded|led|fixed)\b|\bon[- ]?call\b|"
                 r"\bincident\s+(?:commander|lead|owner)\b|\bwho(?:'s|\s+is|\s+was)\s+(?:the\s+)?(?:owner|lead|responder)\b",
                 q, _I):
        plan.notes.append("asks:who_handled")  # "who was on it?" about an incident: said not to be in the record
        if op == "out_of_scope" and len(plan.subjects.incidents) == 1:
            op = plan.operation = "incident_status"  # "who was on call for <incident>?": its record, and who's not in it
    if _YESNO.match(q) and not (op in ("incident_list", "changelog") and _BLAME.search(q)):
        plan.notes.append("yesno")  # "were there any …?": Yes/No first (not "were any incidents caused by …?")
    if op == "changelog" and re.search(r"\bwho\b.*\b(?:most|more|busiest|top)\b|\btop\s+\d*\s*(?:deployers|committers|people)", q, _I):
        plan.notes.append("rank:people")  # "who made the most deployments this month?": people ranked by changes
    if op == "changelog" and re.search(r"\b(?:top\s*\d*|most|busiest)\b.*\bservices?\b|\bservices?\b.*\b(?:most|top)\b", q, _I):
        plan.notes.append("rank:services")  # "top 3 services by deployments this month"
        if m := _TOPN.search(q):
            plan.limit = int(m.group(1)) if m.group(1).isdigit() else _WORDN[m.group(1).lower()]
    if op == "changelog" and plan.subjects.services and not (plan.window and plan.window.explicit) and (
            m := re.search(r"\b(?:last|latest|most\s+recent|previous)\s+(deploy\w*|releases?|rollouts?|config\w*|changes?)\b|"
                           r"\blast\s+(deployed|released|changed|updated)\b", q, _I)):
        word = (m.group(1) or m.group(2)).lower()  # "when was the last deploy to search?": that one change
        kind = "deployment" if word.startswith(("deploy", "releas", "rollout")) else (
            "config_change" if word.startswith("config") else "any")
        plan.notes.append(f"latest:{kind}")
    if op == "changelog" and not plan.subjects.services and re.search(SECRET_CHANGED, q, _I):
        plan.notes = [n for n in plan.notes if not n.startswith(("kinds:", "changes:"))] + ["kinds:config_change",
                                                                                            "only:secret"]
    if op == "changelog" and plan.window is not None and (m := re.fullmatch(r"the last (\d+) hours?", plan.window.label)):
        plan.notes.append(f"hours:{m.group(1)}")  # "deploys in the last 2 hours": those hours, not the days they touch
    if op == "changelog" and (who := _person(q, cat)):
        plan.notes.append(f"person:{who}")  # "did lena.fischer deploy anything this week?": that person's changes
    if op == "changelog" and (plan.subjects.deployments or plan.subjects.config_changes) and _ROLLBACK.search(q):
        plan.notes.append("asks:rolled_back")  # "was DEP-1 rolled back?", "was CFG-7 reverted?": Yes/No from its record
    if op == "changelog" and not (plan.subjects.deployments or plan.subjects.config_changes or plan.subjects.commits):
        if _ROLLBACK.search(q) and not _TO_ROLL_BACK.search(q):
            plan.notes.append("only:rollback")  # "any rollbacks this week?": the changes the org marks as rollbacks
        elif plan.subjects.services and not any(n.startswith("kinds:") for n in plan.notes):
            from agents.understanding.op_cues import _change_kinds  # (op_cues imports this module)

            plan.notes += _change_kinds(q)  # "did anyone change config on X today?": its config changes only
    return op
