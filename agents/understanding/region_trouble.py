""""Which region needs attention?", "which corridor is in trouble?", "which district should we look at first?" (the
organisation's own word for a region is already read as "region"): the regions ranked by what needs attention at
their sites — not one list of every site's series, and not "rank by which KPI?". A KPI named with the words of
attention ("which region needs attention on X?") keeps to that KPI; "which region is worst on X" stays a ranking."""

from __future__ import annotations

import re

from agents.plan import QueryPlan
from agents.understanding.catalog import Catalog

_I = re.IGNORECASE
_WHICH = r"\b(?:which|what)\s+(?:of\s+(?:the|our)\s+)?regions?\b"
# the words of attention: said with a KPI too
_NEEDS = (r"(?:needs?|requires?|deserves?|could\s+use)\s+(?:the\s+most\s+|most\s+|some\s+|more\s+|urgent\s+|immediate\s+)?"
          r"(?:attention|help|work|fixing|focus|a\s+(?:closer\s+)?look|looking\s+at|action)|"
          r"(?:is|are)\s+(?:in\s+(?:trouble|bad\s+shape|the\s+worst\s+shape|a\s+bad\s+way)|struggling|underperforming|"
          r"at\s+risk|most\s+at\s+risk|off\s+track|having\s+(?:problems|issues|trouble)|a\s+(?:problem|concern|worry)|"
          r"(?:most\s+)?(?:worrying|concerning)|on\s+fire|flagged)|"
          r"should\s+(?:we|i)\s+(?:look\s+at|worry\s+about|focus\s+on|prioriti[sz]e|check|be\s+worried\s+about)|"
          r"(?:has|have)\s+(?:the\s+)?(?:most\s+)?(?:problems|issues|warnings|signals|alerts|alarms|red\s+flags)|"
          r"to\s+(?:worry\s+about|focus\s+on)")
# "worst" with no KPI: how they are doing overall
_WORST = r"(?:is|are)\s+(?:doing\s+)?(?:the\s+)?(?:worst|badly|poorly)(?:\s+(?:off|overall|right\s+now|now|today))?\s*\??\s*$"
_ASK = re.compile(rf"{_WHICH}\s+(?:{_NEEDS})\b", _I)
_ASK_WORST = re.compile(rf"{_WHICH}\s+{_WORST}", _I)
# "what needs attention in each region?", "any problems by region?"
_EACH = re.compile(r"\b(?:attention|wrong|trouble|problems?|issues?|alarming|worr\w+|concern\w*|red|flagged)\b.*"
                   r"\b(?:in|for|by|per|across)\s+(?:each|every|all)\s+(?:the\s+|our\s+)?regions?\b|"
                   r"\b(?:attention|wrong|trouble|problems?|issues?|alarming|worr\w+|concern\w*|flagged)\b.*\bby\s+region\b", _I)


def regions_in_trouble(q: str, plan: QueryPlan, cat: Catalog) -> bool:
    """"Which region needs attention / is in trouble / should we look at?" with no region named: the attention check
    grouped by region (``group_by`` "region"), the operation "attention"."""
    if len(cat.regions) < 2 or any(x.level in ("region", "station") for x in plan.subjects.scopes):
        return False
    if plan.subjects.services or plan.subjects.incidents or plan.subjects.tickets:
        return False
    if not (_ASK.search(q) or _EACH.search(q) or (not plan.kpis and _ASK_WORST.search(q))):
        return False
    plan.operation, plan.group_by, plan.order, plan.limit = "attention", "region", None, None
    plan.clarification = None
    plan.notes = [n for n in plan.notes if not n.startswith(("wanted:", "pending:", "attention:incidents"))]
    return True
