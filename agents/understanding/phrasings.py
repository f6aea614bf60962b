"""Phrasings newcomers use (round 6 on the demo, qa19b), read by :mod:`agents.understanding.operation`: a customer's
message pasted in quotes with "what do I do?", one value's share of all tickets, a service's health ("is search ok?")
and a goal met or missed "anywhere". Plain English only: nothing here knows an organisation's names."""

from __future__ import annotations

import re

from agents.plan import TicketText
from agents.understanding.cues import _I

# a customer's message pasted in quotes with what to do about it: "customer says: "…" what do I do?"
QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{15,})[\"“”«»]|"
                    # … or in single quotes: opened after a space or colon, closed before one; apostrophes inside words
                    # ("isn't") are the message's own
                    r"(?:^|(?<=[\s:]))['‘]((?:[^'‘’]|(?<=\w)['’](?=\w)){15,}?)['’](?=[\s.,!?;:]|$)")
FROM_CUSTOMER = re.compile(r"\b(?:customers?|clients?|users?|callers?|user\s+\w+|they|somebody|someone|he|she)\s+"
                            r"(?:just\s+)?(?:says?|said|wrote|writes|write|reports?|reported|emailed|asks?|asked|"
                            r"complain\w*|messaged|sent)\b|\b(?:a|the|this)\s+(?:customer|client|user)(?:['’]s)?\s+"
                            r"(?:message|mail|email|complaint|chat)\b", _I)
REPLY_ASKED = re.compile(r"\b(?:how\s+(?:should|do|can|would)\s+(?:i|we)\s+(?:reply|respond|answer|handle)|"
                          r"what\s+(?:should|do|can)\s+(?:i|we)\s+(?:say|tell|reply|answer|write|do)|"
                          r"(?:draft|write|suggest)\s+(?:a\s+|an\s+)?(?:reply|response|answer)|tell\s+(?:them|the\s+customer))\b", _I)


def customer_message(q: str) -> TicketText | None:
    """The customer's words when a question pastes them in quotes and says they are a customer's (or asks how to
    reply to them); None otherwise."""
    m = QUOTED.search(q)
    if m is None or not (FROM_CUSTOMER.search(q) or REPLY_ASKED.search(q)):
        return reported(q)
    body = " ".join((m.group(1) or m.group(2)).split())
    first = re.split(r"(?<=[.!?])\s+", body, maxsplit=1)[0]
    return TicketText(subject=first[:200], content=body)


# "…, how urgent is this?", "what priority should this get?", "should this be a P1?": the report before it is triaged
_TRIAGE_ASK = re.compile(r"[\s,.;:!?–-]*(?:so\s+|and\s+)?(?:how\s+urgent\s+is\s+(?:this|that|it)|is\s+(?:this|that|it)\s+urgent|"
                         r"what\s+(?:priority|urgency|severity)\s+(?:should|would|does|is|do\s+we\s+give)\b[^.!?]*|"
                         r"should\s+(?:this|that|it)\s+be\s+(?:a\s+)?(?:p[0-4]|sev\s?[0-4]|high|urgent|critical|escalated)\b[^.!?]*|"
                         r"how\s+should\s+(?:i|we)\s+(?:triage|prioriti[sz]e|classify|rate)\s+(?:this|that|it))\s*\??\s*$", _I)
# someone reporting it: "staff at <site> say …", "a customer reports …", "the manager called: …"
_REPORTER = re.compile(r"\b(?:says?|said|saying|reports?|reported|reporting|wrote|writes|complain\w*|tells?|told|"
                       r"call(?:ed|s)|emailed|messaged|rang|flagged|raised)\b", _I)


def reported(q: str) -> TicketText | None:
    """A problem someone reported, written out without quotes, then "how urgent is this?" / "what priority should this
    be?": that report, triaged like a pasted ticket (its place and KPI words are data, not what to look up)."""
    m = _TRIAGE_ASK.search(q)
    if m is None:
        return None
    body = " ".join(q[:m.start()].split())
    if len(body.split()) < 6 or not _REPORTER.search(body):
        return None
    first = re.split(r"(?<=[.!?])\s+", body, maxsplit=1)[0]
    return TicketText(subject=first[:200], content=body)


# "what % of tickets this month were critical", "share of tickets that are DLP": one value's share of all tickets
TICKET_SHARE = re.compile(r"(?:%|\bpercent\w*|\bshare|\bproportion|\bfraction|\bratio)\s+of\s+(?:(?:all|the|our)\s+)?"
                           r"(?:tickets|cases)\b", _I)
# "is search ok", "payments healthy?", "is checkout fine now": the service's health, not the story of a move
HEALTHY = re.compile(r"\b(?:ok|okay|fine|healthy|alright|all\s+right|normal|good|green|up|working|back)\b\W*(?:now|again|"
                      r"yet|today)?\W*$|^\W*(?:is|are)\s+[\w.-]+(?:\s+[\w.-]+)?\s+(?:ok|okay|fine|healthy|alright|normal|"
                      r"up|working|running)\b|\bhealth\s*check\b|\bhow\s+healthy\b", _I)
# "are we hitting the fill rate goal anywhere?": each site against the goal (which meet it)
GOAL_ANYWHERE = (r"\b(meeting|meets?|hitting|hits?|making|reach\w*|below|under|missing|short\s+of)\s+(?:the\s+|its\s+|our\s+|"
                 r"their\s+)?(?:[\w.%-]+\s+){0,4}?(?:goal|target)s?\s+(?:anywhere|at\s+any\b|in\s+any\b|somewhere)")
# "share of AOG events by region", "what percent of the lates does each store have": each one's part of the total
SHARE_OF = re.compile(r"\b(?:share|proportion|breakdown|split)\b|(?:%|\bpercent\w*)\s+(?:of|by|per)\b", _I)
# "<KPI> at <site> this month and who deployed last": a second question joined to the first
SECOND_QUESTION = re.compile(r"(?:\s+and|\s*[,;]\s*(?:and\s+)?|\s+also|\s+plus)\s+((?:also\s+)?(?:who|when|which|where|did|does|"
                             r"do|has|have|were|was|any|how\s+many)\b[^?]{3,})\??\s*$", _I)

# "tickets from schools", "complaints by drivers": a group of people named in lower case (not a customer's name, not
# a tier or a time) is what the tickets are about — searched in their text
FROM_GROUP = re.compile(r"\b(?:from|by)\s+(?:the\s+|our\s+)?(?!(?:customers|users|clients|accounts|tiers|days|weeks|"
                        r"months|hours|years|minutes|status|priority|products?|business|ages|reps|us|this|its|has|was|is)\b)([a-z][a-z-]+s)\b", _I)
