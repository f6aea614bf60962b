"""Urgency from impact (pure): who is affected, how badly, whether there is a way around it, and by when.

Urgency is read from the IMPACT a ticket describes, never from its product:

- scope: everyone / the whole organisation, a team or site, one person;
- severity: production down or business stopped, a security breach or data
  exposure in progress, blocked, degraded (slow, intermittent);
- a workaround (or explicitly none), a deadline;
- versus a question, a how-to, a feature request, planning, cosmetics, a
  resolved problem or a report on a past outage;
- hedges ("not urgent", "nobody is blocked") rule out a stop; "…, but <a
  consequence>" keeps the problem a problem.

The text is first split by :mod:`tools.tickets.impact` into the author's own
words and quoted/forwarded/pasted material (which counts ``QUOTED_WEIGHT``);
the reader also supplies people counts, the admin side, exposure in progress
and question/request detection. Each cue adds points to some of the four
urgencies (``critical``, ``high``, ``medium``, ``low``), with a few
interactions (scope only with a problem; a stop scoped to a team is high;
"no workaround" for one or two people stays medium); the customer's stated
priority and tier are weak evidence. A softmax (temperature chosen on TUNE)
turns the points into calibrated probabilities. All weights were chosen on
TUNE sets only (see evals/triage/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from tools.tickets import impact, urgency_model
from tools.tickets.urgency_cues import CUES

URGENCIES: tuple[str, ...] = ("critical", "high", "medium", "low")
TEMPERATURE = 0.6  # NLL optimum on TUNE is 0.5-0.6 (evals.triage.score --fit); the softer end: TUNE accuracy is inflated


STOPS = {"production down / business stopped", "blocked", "nothing works", "no workaround", "exposure in progress",
         "security breach or data exposure"}
SCOPES = {"everyone affected", "a whole site affected", "a team or site affected", "an executive affected"}
PROBLEMS = {"exposure in progress", "a fault that keeps recurring", "output or revenue being lost", "admin side blocked", "something is wrong", "production down / business stopped", "security breach or data exposure", "blocked", "degraded",
            "nothing works", "no workaround", "urgency words"}
PRIORITY_POINTS = 0.8  # the customer's stated priority, towards the same urgency
TIER_POINTS = {"enterprise": (0.3, 0.2, 0.0, -0.2), "free": (-0.3, -0.2, 0.1, 0.3)}
BASELINE = (0.0, 0.3, 0.8, 0.5)  # a ticket with no cue at all: most often a medium-sized problem
LATEST_MIN_CHARS = 40  # own words above a thread that describe its latest state ("see below" does not)
QUOTED_WEIGHT = 0.3  # quoted replies, forwarded mails and pasted logs, against the author's own words
ADMIN_POINTS = np.array([-1.5, 1.5, 0.0, -0.5])  # only administrators blocked: "the admin side fully blocked"
EXPOSURE_POINTS = np.array([2.5, 0.0, -1.0, -1.0])  # sensitive data or access exposed or taken right now
SCOPED_STOP = np.array([0.5, 1.5, -0.5, -1.5])  # work stopped, but for a named team or a counted group only
FEW_NO_WORKAROUND = np.array([0.0, 0.3, 0.5, -1.0])  # "no workaround" when one or a few people are affected
REQUEST_POINTS = np.array([-0.5, -0.5, -0.3, 1.2])  # a question or a request, and no problem described
ALARMS = {"security breach or data exposure", "exposure in progress"}
ASKED = {"asks about a capability", "a past or another's event", "asks for a report or plan", "no live event (said)"}
ASKED_POINTS = np.array([-1.0, -0.8, 0.0, 1.5])  # breach words asked about, not happening: a question
UNCONFIRMED_POINTS = np.array([-1.0, 0.8, 0.2, 0.0])  # an alarm the author has not confirmed yet

_COMPILED = [(name, re.compile(rx, re.IGNORECASE), np.array(pts)) for name, rx, pts in CUES]
_COMPILED_BY_NAME = {name: rx for name, rx, _ in _COMPILED}
_NEGATED = re.compile(
    r"\b(not (really |very |that |so )?(urgent|important|blocking|critical)|not an emergency|no emergency|nothing (is )?broken|not [\w]+[- ]critical|no rush|no hurry|no urgency|not a blocker|"
    r"(nobody|no one|nothing|no user) (is |was |got )?(blocked|affected)|every(one|body) else|nothing (is |that'?s )?urgent|"

    r"(no one|nobody|nothing) (is |was |has been )?(leaking|leaked|compromised|breached|exfiltrat\w*|stolen)|"
    r"no (sign|signs|evidence|indication) of (a |any )?(breach|leak|compromise|exfiltration|attack)|"
    r"(it'?s |it is )?not that (everyone|everybody|nobody|no one|all)( \w+){0,2}|not (every|all|everyone|everybody)( of)?( the| our)?( \w+)?|not (just |only )?(the |our )?(whole|entire) \w+|"
    r"no (workaround|fallback|other way|alternative)|without (a )?workaround)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_IMPACTED = re.compile(r"\b(affected|impacted|idle|stuck|waiting|sitting|lost|without|on paper|by hand|missing|complain\w*|"
                       r"onboard\w*|new hires|starting)\b", re.IGNORECASE)
# a deadline set by a business event (an audit, a launch, a filing), not by the asker's own clock ("for a slide")
_BUSINESS_EVENT = re.compile(
    r"\b(audit\w*|iso|sox|pci|regulator\w*|filing|submission|tenders?|bids?|launch\w*|go[- ]live|cut-?over|migrat\w+|"
    r"kick-?off|committee|board meeting|opening|opens|exams?|inspection|hearing|month[- ]end|quarter[- ]end|year[- ]end|"
    r"payroll|contracts?|partners? meeting|customer demo|release|rollout)\b", re.IGNORECASE)
BUSINESS_DEADLINE_POINTS = np.array([-0.5, 0.3, 1.5, -1.5])  # a question that must be answered before a business event
_NEED = re.compile(r"\b(we|i|they) (really |still |urgently )?(need|require|want|must have)\b", re.IGNORECASE)
CONSEQUENCE_POINTS = np.array([0.0, 0.4, 0.6, -1.0])  # "by the 14th, otherwise we fail the review": the date matters
CUSTOMER_DEGRADED = np.array([0.0, 1.2, -0.3, -0.5])  # slow or intermittent where customers or revenue feel it
_CUSTOMERS = re.compile(r"\b(customers?|patients|guests|shoppers|citizens|callers|(web ?)?shop|checkout|"
                        r"customer[- ]facing|revenue|orders)\b", re.IGNORECASE)
_PRODUCTION = re.compile(r"\b(production|prod|outage|customer[- ]facing|our customers|revenue)\b", re.IGNORECASE)
# an SLA breach is a deadline, not a security breach
_SLA_BREACH = re.compile(
    r"\b(breach(es|ed|ing)? (of )?(our |the |an? |their )?(\d+ ?h )?(\w+ )?(sla|slas|contract|promise|target|commitment|"
    r"agreement|deadline|response time|obligations?)|(sla|contract|promise) breach(es)?)\b", re.IGNORECASE)
_PAST = re.compile(
    r"\b((last (week|month|night|year)|yesterday|previous|earlier|recent)('s)? (outage|incident|downtime|breach|disruption)|"
    r"(outage|incident|downtime|disruption)[^.!?\n]{0,40}\b(last (week|month|year|night|time)|yesterday|earlier this \w+)|"
    r"root cause analysis|rca|post[- ]?mortem)\b", re.IGNORECASE)
# read on the raw text, the others on the text without the negations
_NEGATION_CUES = {"not urgent (hedged)", "…but it matters", "no workaround", "one person affected"}


def _size_points(n: int) -> np.ndarray:
    """Points for a stated number of affected people or sites."""
    if n >= 500:
        return np.array([2.5, 1.0, -0.5, -1.5])
    if n >= 10:
        return np.array([0.3, 2.0, 0.0, -1.0])
    if n >= 2:
        return np.array([-0.3, 0.5, 1.0, 0.0])
    return np.zeros(4)


@dataclass
class UrgencyEvidence:
    probabilities: dict[str, float]
    cues: list[str] = field(default_factory=list)  # names of the impact cues found
    points: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return max(URGENCIES, key=lambda u: (self.probabilities[u], -URGENCIES.index(u)))


def _read_event_form(t: str, found: dict[str, np.ndarray]) -> None:
    """Breach words in a question about a capability, a past or another's event or a report are no incident.

    "Do you detect DNS tunnelling?", "would ransomware be blocked by default?", "last quarter's DLP incidents for the
    board": the alarm cues are demoted (kept as named features for the model) unless the author also places an event
    in the present ("right now", "since this morning", "is encrypting"). The form cues themselves carry no rule
    points; the fitted model (:mod:`tools.tickets.urgency_model`) weighs them.
    """
    alarm = ALARMS & set(found)
    if not alarm:  # the form matters only where alarm words are: elsewhere the question cues already read it
        return
    form = impact.event_form(t)
    for name in form:
        found.setdefault(name, np.zeros(4))
    asked = ASKED & set(form)
    if "not confirmed yet" in form and asked == {"asks for a report or plan"}:  # "we'd like to understand the risk"
        asked = set()  # of an alarm not confirmed yet: an alarm to look at today, not a report
    if asked and "event in progress" not in form and (
            impact.is_request(t) or {"no live event (said)", "asks for a report or plan"} & asked):
        demote = [*ALARMS, "urgency words"]
        if {"asks about a capability", "a past or another's event"} & asked:  # "would it be blocked?", "last year's
            # blocks" ask; "the test file is blocked" reports
            demote.append("blocked")
        if "a past or another's event" in asked:  # "the outage and breach in the news": not our outage either
            demote.append("production down / business stopped")
        for name in demote:
            if found.pop(name, None) is not None:
                found[f"{name} in a question (ignored)"] = np.zeros(4)
        found["a question about a capability, a past event or a report"] = ASKED_POINTS
    elif "not confirmed yet" in form:  # "beaconing from 3 hosts, not confirmed yet": look today, no page at 3 am
        found["not confirmed yet"] = UNCONFIRMED_POINTS


def _cue_points(t: str) -> dict[str, np.ndarray]:
    """Points of every impact cue found in one voice of the ticket (name -> points)."""
    t = (t or "").replace("\u2019", "'")
    # negated urgency ("not urgent", "no rush") is its own cue and must not also read as "urgent"
    t = _SLA_BREACH.sub(" a service deadline ", t)
    t_pos = _PAST.sub(" a report on a past event ", _NEGATED.sub(" ", t))
    # what happens if a date is missed ("…, otherwise we fail the review", "or 250 engineers lose access") is what
    # WOULD happen: it makes the date one that matters, and its words are no impact happening now
    consequence = bool(_COMPILED_BY_NAME["deadline"].search(t_pos) and impact.CONSEQUENCE.search(t_pos))
    if consequence:  # "…, otherwise we fail" goes; "if we can't get it enforced, …" restates the problem and stays
        t_pos = impact.CONSEQUENCE.sub(lambda m: m.group(0) if m.group(0)[:2].lower() == "if" else " ", t_pos)
    business = consequence or bool(_BUSINESS_EVENT.search(t_pos))  # a date set by a business event or a consequence
    found: dict[str, np.ndarray] = {}
    for name, rx, add in _COMPILED:
        if name == "many affected":
            continue
        if (rx.search(t) if name in _NEGATION_CUES else rx.search(t_pos)):
            found[name] = add
    if "administrative request" in found:  # "the invoice is wrong, please correct it" asks for a change
        found.pop("something is wrong", None)
    if impact.ADMIN_SIDE.search(t_pos):  # only the administrators are blocked: the guide's "admin side", not a stop
        for name in ("everyone affected", "a whole site affected", "nothing works"):
            found.pop(name, None)
        found["admin side blocked"] = ADMIN_POINTS
    if impact.ACTIVE_EXPOSURE.search(t_pos) and (impact.SENSITIVE.search(t_pos) or "security breach or data exposure" in found):
        found["exposure in progress"] = EXPOSURE_POINTS
    _read_event_form(t_pos, found)
    if "resolved / closing" in found:  # the problem it names is over
        for name in PROBLEMS:
            found.pop(name, None)
    if not (set(found) & PROBLEMS) - {"urgency words"} and {"question / how-to", "feature request / planning"} & set(found):
        # "URGENT!!! how do I…": the shouting is about the asker's own clock, the impact is a question
        dated = "deadline" in found
        for name in ("urgency words", "deadline"):
            if found.pop(name, None) is not None:
                found[f"{name} on a question (ignored)"] = np.zeros(4)
        if business and dated:  # "how do I publish it? it must be live by Monday's launch": the answer has a business date
            found.pop("deadline on a question (ignored)", None)
            found["a business deadline on a question"] = BUSINESS_DEADLINE_POINTS
    if {"security breach or data exposure", "exposure in progress"} & set(found):  # "how do we stop it?" mid-incident
        for name in ("question / how-to", "a question or request"):
            if found.pop(name, None) is not None:
                found["a question about a live incident (ignored)"] = np.zeros(4)
    if {"everyone affected", "a whole site affected"} & set(found):
        found.pop("a team or site affected", None)  # the wider scope subsumes the team
    problems = set(found) & PROBLEMS
    # Scope measures an impact: "for everybody else" in a request or "750 users" in a quote is no outage.
    if not problems:
        for name in SCOPES:
            found.pop(name, None)
        if (impact.is_request(t_pos) or (consequence and _NEED.search(t_pos))) and not {
                "question / how-to", "administrative request"} & set(found):
            # "we need the export before the committee meets on the 14th, otherwise we fail": nothing is broken, a
            # date with a consequence asks for something
            found["a question or request"] = REQUEST_POINTS
            if found.pop("deadline", None) is not None:  # "I need the quote before the committee on Thursday"
                found["a business deadline on a question" if business else "deadline on a question (ignored)"] = (
                    BUSINESS_DEADLINE_POINTS if business else np.zeros(4))
    elif not {"everyone affected", "a whole site affected"} & set(found):  # a stated number of people sizes the scope
        # counted only where the sentence describes the impact ("40 of 85 people can't…"), not an inventory
        sizes = [n for sent in _SENTENCES.split(t_pos) if _IMPACTED.search(sent) or any(
            _COMPILED_BY_NAME[name].search(sent) for name in PROBLEMS if name in _COMPILED_BY_NAME)
            for n in impact.people_counts(sent)]
        if sizes:
            pts = _size_points(max(sizes))
            if max(sizes) >= 500 and not set(found) & STOPS:  # many people with a wrong number or a slow page: no stop
                pts = _size_points(100)
            found[f"{max(sizes)} affected"] = pts
        team = "a team or site affected" in found or "one person affected" in found or bool(sizes and max(sizes) < 500)
        if "production down / business stopped" in found and team and not _PRODUCTION.search(t_pos):
            found["production down / business stopped"] = SCOPED_STOP  # "the studio can't work": that team's stop
        if "no workaround" in found and ("one person affected" in found or (sizes and max(sizes) < 5)):
            found["no workaround"] = FEW_NO_WORKAROUND  # one or a few people stuck: still their problem, not a stop
    if consequence and {"deadline", "a business deadline on a question"} & set(found):
        found["a consequence if the date is missed"] = CONSEQUENCE_POINTS
    if "degraded" in found and not {"one person affected", "workaround"} & set(found) and not set(found) & STOPS and any(
            _CUSTOMERS.search(sent) and _COMPILED_BY_NAME["degraded"].search(sent) for sent in _SENTENCES.split(t_pos)):
        found["degraded where customers feel it"] = CUSTOMER_DEGRADED  # "the shop is very slow for customers"
    return found


_REPLY_SUBJECT = re.compile(r"^\s*((re|aw|sv|vs|antw|r)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def latest_words(subject: str, body: str) -> tuple[str, str]:
    """(the author's latest words, the rest of the thread) of a ticket: the latest state counts.

    A reply's subject ("RE: whole site down!!!") names the thread's first message, not the state the author reports
    now ("the site is back, only the print VLAN…"), so it joins the quoted voice when the author wrote something.
    """
    voice = impact.split_voice(body)
    reply = bool(_REPLY_SUBJECT.match(subject or "")) and bool(voice.own.strip())
    own = voice.own if reply else f"{subject}\n{voice.own}"
    other = "\n".join(x for x in ((subject if reply else ""), voice.quoted, voice.pasted) if x.strip())
    return own, other


def latest_text(subject: str, body: str) -> str | None:
    """The author's latest words of a reply chain or forward (for a reader of whole texts), None for a plain ticket.

    Only when the author said something of their own ("still broken, now the CEO can't…" above the quoted thread);
    a bare "see below" forward keeps the whole text.
    """
    voice = impact.split_voice(body)
    if not (voice.quoted.strip() or _REPLY_SUBJECT.match(subject or "")) or len(voice.own.strip()) < LATEST_MIN_CHARS:
        return None
    return latest_words(subject, body)[0]


def impact_points(text: str, priority: str | None = None, tier: str | None = None) -> tuple[np.ndarray, list[str]]:
    """Urgency points (critical, high, medium, low) of a ticket text and the names of the cues found.

    The author's own words count fully; quoted replies, forwarded mails and pasted logs count ``QUOTED_WEIGHT``
    (and only for cues the author's words do not already carry).
    """
    subject, _, body = (text or "").partition("\n")  # the first line is the subject (a reply's: the thread's)
    own_words, other = latest_words(subject, body)
    pts = np.array(BASELINE, dtype=float)
    own = _cue_points(own_words)
    for add in own.values():
        pts += add
    cues = list(own)
    if other:
        for name, add in _cue_points(other).items():
            if name not in own and not name.endswith(" affected"):
                pts += QUOTED_WEIGHT * add
                cues.append(f"{name} (quoted)")
    if priority in URGENCIES:
        pts[URGENCIES.index(priority)] += PRIORITY_POINTS
        cues.append(f"stated priority {priority}")
    if tier in TIER_POINTS:
        pts += np.array(TIER_POINTS[tier])
        cues.append(f"{tier} tier")
    return pts, cues


def classify_urgency(subject: str, content: str, *, priority: str | None = None, tier: str | None = None,
                     temperature: float = TEMPERATURE) -> UrgencyEvidence:
    """Urgency probabilities of a (cleaned) ticket from the impact it describes.

    The rule's softmax is averaged with :mod:`tools.tickets.urgency_model` (a logistic regression over the same
    cues), which beat the rule alone in leave-one-author-batch-out cross-validation.
    """
    pts, cues = impact_points(f"{subject}\n{content}", priority, tier)
    z = pts / max(temperature, 1e-6)
    p = np.exp(z - z.max())
    p = p / p.sum()
    learned = urgency_model.probabilities(cues, pts)  # the same cues re-weighed by a fitted model, averaged
    if learned is not None:
        p = urgency_model.RULE_SHARE * p + (1.0 - urgency_model.RULE_SHARE) * learned
    return UrgencyEvidence(
        probabilities={u: float(v) for u, v in zip(URGENCIES, p, strict=True)}, cues=cues,
        points={u: round(float(v), 3) for u, v in zip(URGENCIES, pts, strict=True)},
    )
