""""Downtime at <site>": a question about that site's availability, not about an incident."""

from __future__ import annotations

import re

from agents.plan import UnknownName
from agents.understanding.catalog import Catalog
from agents.understanding.cues import _I
from agents.understanding.linking import Links

_DOWNTIME = re.compile(r"\bdown[- ]?time\b", _I)
_OTHER_INCIDENT_WORDS = re.compile(r"\b(?:incidents?|outages?|failures?|disruptions?|sev ?[1-4]s?|p[0-4]s?|alerts?|"
                                   r"pages?|paged)\b", _I)
_AVAILABLE = re.compile(r"\b(?:availab\w*|up[- ]?time)\b", _I)


def downtime_at_site(q: str, links: Links, cat: Catalog) -> str | UnknownName | None:
    """For "downtime at <site> last week": the question with "downtime" replaced by the organisation's
    availability-like KPI ("… availability"), or an unknown KPI "downtime" with the nearest KPIs suggested when it
    keeps none. None when the question is about a service or incidents ("any downtime on <service>?",
    "downtime incidents at <site>")."""
    if (not _DOWNTIME.search(q) or not (links.stations or links.regions) or links.kpis or links.services
            or links.incidents or _OTHER_INCIDENT_WORDS.search(q)):
        return None
    avail = [c for c, names in cat.kpis.items() if any(_AVAILABLE.search(n) for n in [c.replace("_", " "), *names])]
    if len(avail) == 1:
        name = (cat.kpis.get(avail[0]) or [avail[0]])[0]
        return _DOWNTIME.sub(name, q)
    suggestions = avail[:3] or _nearest(cat)
    return UnknownName(kind="KPI", text="downtime", suggestions=suggestions)


def _nearest(cat: Catalog) -> list[str]:
    """The KPIs nearest to downtime: those about time, stops or delays first, then the catalog's first."""
    near = re.compile(r"\b(?:time|stop\w*|delay\w*|lost|outage|fault\w*|idle|wait\w*)\b", _I)
    ranked = sorted(cat.kpis, key=lambda c: not any(near.search(n) for n in [c.replace("_", " "), *cat.kpis[c]]))
    return ranked[:3]
