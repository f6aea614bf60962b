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

URGENCIES: tuple[str, ...] = ("critical", "high", "medium", "low")
TEMPERATURE = 0.6  # NLL optimum on TUNE is 0.5-0.6 (evals.triage.score --fit); the softer end: TUNE accuracy is inflated

_NUM = r"(?:\d{1,3}(?:[,.]\d{3})+|\d+)"
_PEOPLE = r"(?:users?|people|employees|staff|persons?|agents|engineers|developers|admins|administrators|colleagues|members|workers|scientists|analysts|traders|nurses|doctors|students|hires|contractors|consultants|technicians|operators|drivers|teachers|customers|clients|suppliers|stores|shops|branches|sites|offices|locations|plants|terminals|workstations|devices|phones|laptops|computers|machines|pcs|macs|desktops|tills|registers)"

# (name, pattern, points per urgency: critical, high, medium, low). Patterns run on lower-cased text.
CUES: list[tuple[str, str, tuple[float, float, float, float]]] = [
    # --- scope
    ("everyone affected",
     (r"\b(every(one|body)|all (of )?(our |the )?(users|employees|staff|people|admins|administrators|locations|offices|sites|branches|stores|remote|customers|clients)|"
     r"every (single )?(user|employee|staff member|person|office|site|location|branch|customer)|worldwide|globally|"
     r"whole (company|organi[sz]ation|org|tenant|business)|entire (company|organi[sz]ation|org|business|tenant)|"
     r"company[- ]wide|organi[sz]ation[- ]wide|across (the|our) (whole )?(company|organi[sz]ation)|"
     r"(nobody|no one|noone|none of us|no (customer|user|employee|client)s?) (in the company |here )?(can|could|is able)|"
     r"for every (user|employee|office|location)|"
     r"none of (the |our )?(\d+ )?(?!them\b)\w+ (can|could|is able|are able|works?)|every (single )?\w+ in the (district|company|org|organi[sz]ation|country|region|group|chain|network)|\w+ anywhere\b|"
     r"(nobody|no one) (in|at|on|across) (any of |all of |one of )?(the |our )?(\w+ ){0,3}(can|could|is able|are able)\b|"
     r"(nobody|no one|none of (the|our) \w+) (on|in|at|across) (the |our )?(\d+ |whole |entire )?([a-z]+ )?(floors?|building|hq|headquarters|site|campus|plant|company|office|offices|branches|stores))\b"),
     (3.0, 0.3, -0.5, -1.5)),
    ("a whole site affected", r"\ball (of )?(the |our )?\d[\d,.]* |\b(the )?(whole|entire) (floor|building|hq|headquarters|site|campus|plant|factory|warehouse|store|branch|hospital|school|network)\b", (1.5, 1.0, -0.5, -1.0)),
    ("many affected", rf"\b({_NUM}[,.]?\d* (remote )?{_PEOPLE})\b", (0.0, 0.0, 0.0, 0.0)),  # sized below
    ("a team or site affected",
     (r"\b((whole|entire|all the|all of the|all our) (\w+ ){0,2}(team|teams|department|dept|division|org|organi[sz]ation|group|unit|floor|office|branch|site|plant|factory|call cent(er|re)|contact cent(er|re)|helpdesk|service desk|warehouse|store|hospital|campus)|"
     r"\w+ (team|department|dept|division|office|floor|branch|plant)( \([^)]*\))? (is |are )?(blocked|stuck|unable|can'?t|cannot|could not|lost|loses|gets)|"
     r"many (users|people|employees)|several (users|people|offices|sites|teams)|dozens of|a lot of (users|people)|"
     r"(every|each) (laptop|pc|computer|machine|desk|phone|user) (in|at|on) (the )?\w+|(the )?(whole|entire) (\w+ ){0,2}(line|shift|fleet)|all (our|the) \w+ (users|laptops|machines|pcs|staff))\b"),
     (0.3, 2.0, 0.0, -1.0)),
    ("an executive affected",
     r"\b(our|the|my) (ceo|cfo|coo|cto|ciso|cio|president|chairman|chairwoman|managing director|md|executive board|board of directors)\b",
     (0.0, 1.0, -0.2, -0.5)),
    ("users not affected",
     r"\b((users|employees|staff|people) (are )?not (yet )?(affected|impacted)|not affected yet|no (user|business|customer) impact|"
     r"(user |users'? |staff |employee )?traffic (still |is still )?(flows|works|passes|is (fine|filtered|ok|unaffected))|traffic is still)\b",
     (-2.5, 0.5, 0.5, 0.0)),
    ("nothing works", r"\b((can'?t|cannot|unable to|can not) (\w+ ){0,4}(anything|any (website|site|page|app|application)s?)|nothing (loads|works)|blocked from everything)\b",
     (0.8, 1.2, -0.5, -1.0)),
    ("one person affected",
     (r"\b(only (me|her|him|one|this (user|file|laptop|machine))|just me|for me only|one (user|person|developer|colleague|employee|lawyer|\w+ user)|"
     r"a single (user|person)|(others|everyone else|colleagues|my colleagues|the rest) (are|is|seem|can)\b|"
     r"my (laptop|computer|machine|account|pc|phone)|(her|his) (laptop|computer|machine|pc))\b"),
     (-1.5, -0.5, 1.5, 0.2)),
    # --- severity
    ("production down / business stopped",
     (r"\b(outage|production (is )?(down|impact|incident|outage)|prod down|(is|are|went|goes) (both |all )?down\b|\w+ offline\b|(has|have|had) no (internet|network|connectivity|e-?mail|phones?)\b|(calls|orders|tickets|queues?) (are )?piling up|completely down|"
     r"(business|operations?|work) (has |have )?(stopped|halted|at a standstill)|can'?t (take|process) (card )?payments|"
     r"stopped working for (all|every)|total(ly)? (outage|down|broken)|cannot work|can'?t work|nobody can work|"
     r"(is|are|went) dead|(is|are|went|gone) offline|not responding|unresponsive|halted|lost (all )?(internet|connectivity|access)|"
     r"(production|assembly|manufacturing|shipping|dispatch|checkout|sales|orders|payments|bookings|deliveries|lines?|plant|factory)( lines?)?( [\w-]+){0,2} (is |are |have |has )?(been )?(stopped|halted|at a standstill|down)|"
     r"(has|have|had|with) no (web|internet|network|email|e-mail|phone) (access|connection|connectivity)|(have|has) no (telemetry|visibility|control)|"
     r"(customers|clients|patients|guests|citizens) (can'?t|cannot|are unable to) (order|buy|pay|book|log ?in|sign in|reach|access|use|check ?out)|"
     r"(we )?receive no (mail|e-?mail|orders|calls|payments)|"
     r"refus\w* (all )?connections|sitting idle|standstill|can'?t do (their|our|my|any) (work|job)|(can'?t|cannot) run anything|"
     r"nothing (goes|gets) (out|through)|basically offline)"),
     (2.5, 1.0, -0.5, -1.5)),
    ("security breach or data exposure",
     (r"\b(breach|breached|compromised?|attacker|hacked|exfiltrat\w*|data theft|stealing|ransomware|"
     r"(data|files|records|information) (is |are )?(leaving|walking out)|"
     r"(data|records?|files?) (are |is |were )?(exposed|leaked|leaking|readable)|exposure|leak(ed|ing|s)?\b(?! prevention)|"
     r"malware (is )?spreading|spreading|active (attack|incident)|(security|pci|gdpr|privacy|data) incident|unauthori[sz]ed access|"
     r"phished|contain (it|this|the (incident|breach|leak))|in (plain ?text|clear ?text)|unprotected|"
     r"command[- ]and[- ]control|c2\b|beaconing|reportable|72 ?h|"
     r"(unknown|unregistered|unrecogni[sz]ed|foreign) (device|login|sign[- ]?in|session|ip|location)|phishing (page|site|link|mail|email|campaign)|"
     r"(entered|typed|gave|submitted) (their|his|her|my|our) (passwords?|credentials|logins?)|suspicious (sign[- ]?ins?|logins?|activity|sessions?)|"
     r"(unfamiliar|unusual|strange|foreign) (countries|country|locations?|ips?|devices?)|(we )?(don'?t|do not|can'?t) recogni[sz]e|"
     r"unknown (integration|app|application|process|script|account|user|actor|party)|(it )?(wasn'?t|was not) (any of |one of )?(us|our (admins|team|people|staff))\b|credentials (were |are |got )?(stolen|leaked|phished|exposed)|insider threat|(somebody|someone|an? (unknown|outsider|stranger)) (now )?(has|had|got|gained|took) (full |global |super )?(admin|access|control)|(we|i) (didn'?t|did not) do (this|that|it)|(ip|logins?|sign[- ]?ins?) (from|in) (an? )?(\w+ )?(another|other|foreign|unknown) country)"),
     (3.0, 0.5, -0.5, -1.5)),
    ("blocked",
     (r"\b((can'?t|cannot|can not|could not|couldn'?t|unable to|not able to)(?! (find|locate|remember|see where|tell|wait))|blocked|stuck|lost access|unreachable|"
     r"(?<!not )blocked|denied|refused|rejected|(nobody|no one|none of \w+) (\w+ ){0,6}(can|could|is able|are able)|fails?|failing|failed|broken|not working|doesn'?t work|don'?t work|won'?t|stopped)\b"),
     (0.3, 0.8, 0.5, -0.8)),
    ("no workaround", r"\b(no workaround|no fallback|no other way|no alternative|without (a )?workaround)\b",
     (1.5, 1.2, -1.0, -1.0)),
    ("workaround",
     (r"\b(workaround|work around|meanwhile|in the meantime|for now|temporar(il)?y|as a fallback|fallback|"
     r"(?<!can't )(?<!cannot )(?<!unable to )(?<!not )(retry|retries|reconnect|re-?run(ning)? (it )?works|re-?trying (it )?works)|manually|partly helps|can (still )?use|instead(?! of)|so i'?m using|so we'?re using|"
     r"(i|we) (can )?use \w+ (for now|until)|i'?ll (paste|use|send|email|do it)|(emailing|sending) (this|it) instead)\b"),
     (-1.5, -0.8, 2.0, 0.3)),
    ("degraded",
     (r"\b(slow|slowly|slower|latency|intermittent(ly)?|from time to time|sometimes|occasionally|sporadic(ally)?|flaky|"
     r"every (few|\d+) (minutes|hours)|(\d+|many|several|a few|multiple) times (a|per) (day|hour)|\d+ in \d+|choppy|drops?|lag|lags|lagging|laggy|delays?|delayed|(hours?|days?) (late|behind)|arrive\w* late|(once|twice) (an|a|per) hour|(gets?|getting|are|is|keep|keeps) (\w+ )?disconnected|disconnects|disconnecting|times? out|timeout|works?,? (just|but)|painfully)\b"),
     (-0.5, 0.6, 1.0, -0.3)),
    ("deadline",
     (r"\b((due|by|before|until|deadline|must|has to|have to|needs? to|need (it|this|them)|starts?|ends?|closes?|launch\w*|"
     r"go(es)? live|payday|hearing|meeting|exams?|audit\w*|release\w*|deliver\w*|submit\w*|filing|ship\w*|leaves?|sla|breach\w*|"
     r"on site|arrive\w*)\b[^.!?\n]{0,40}\b(today|tonight|tomorrow)|(today|tonight|tomorrow)('s|( at| by| before)? \d)|"
     r"(today|tonight|tomorrow) (is|was) (the )?(deadline|last day|cut[- ]?off)|by (monday|tuesday|wednesday|thursday|friday|"
     r"saturday|sunday|eod|end of day|\d{1,2}(:\d\d)? ?(am|pm)?|noon)|before (monday|tuesday|wednesday|thursday|friday)|before the (\w+ ){0,2}(deadline|meeting|audit|cut[- ]?off|launch|release|"
     r"go[- ]live|end of|weekend|holidays?|board|review|hearing|exams?|close|closing|start|shift|flight|trucks?|visit|market|"
     r"\w+ (opens|starts|closes|begins|ends|arrives|leaves))|"
     r"deadline|due (on|by|today|tomorrow|thursday|friday)|miss(es)? the (trucks?|deadline|cut[- ]?off|flight|window|boat)|"
     r"(presents?|presentation|meeting|review|call|demo|audit|hearing|board|exam)\b[^.!?\n]{0,50}\bat \d{1,2}(:\d\d)? ?(am|pm|h|o'?clock)\b|"
     r"(?<!since )(?<!last )(?<!until )(monday|tuesday|wednesday|thursday|friday|saturday|sunday) (morning|afternoon|evening|noon|at \d)|(trucks?|lorries|shipments?|flights?|orders?|the last \w+) (leave|leaves|depart|departs|go out|goes out|ship|ships|close|closes) (at|by|before) \d|"
     r"(starts?|begins?|due|closes?|ends?|expires?|in) in (less than |under )?(\d+|an?|one|two|three) ?(h|hrs?|hours?|min|mins|minutes)\b|"
     r"(meeting|call|presentation|demo|audit|review|flight|deadline|cut[- ]?off) (is |starts |begins )?in (\d+|an?|one|two) ?(h|hrs?|hours?|min|minutes)|"
     r"(?<!was )(?<!sent )(?<!received )\bin ([1-9]|1[0-2]|an?|one|two|three|half an) ?(h|hrs?|hours?)(?=[.!,;])|"
     r"(milestone|go[- ]live|launch|release|audit|cut[- ]?off) (is |are )?(due )?(on )?(today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday)|(quarter|month|year)[- ](end|close|closing)|end of (the )?(quarter|month)|(this|next|coming) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(starts?|begins?|cut-?over|go[- ]?live|audit|auditors?|deadline|due|review|closing|hearing|exams?|launch|visit|active|ready|live) (is |are |will be |starts? |begins? |on site |here )*(on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"),
     (0.3, 1.2, 0.2, -0.7)),
    ("urgency words",
     (r"(\bcritical infrastructure\b|\bpatient safety\b|\blife[- ]safety\b|\bsafety risk\b|\burgent(ly)?\b|\basap\b|\bimmediately\b|\bemergency\b(?![- ](break|access|account|admin|contact|number|procedure|plan))|\bright away\b|\bescalate\b|!!|\bnow!|"
     r"\b(need|needs|needed|fix|help|stop|block|do|act) (\w+ ){0,2}right now\b|"
     r"\bcall me\b|all hands|(?<!for )(?<!until )(?<!right )(?<!times )(?<!time )\bnow[.!])"),
     (1.2, 1.0, -0.3, -1.5)),
    # --- questions, requests, planning
    ("question / how-to",
     (r"(\bhow (do|can|to|is|does|should)\b|\bwhat (is|are|'s) (the )?(process|procedure|recommended|best)|\bis (it|there) (possible|a way|a doc)|"
     r"\bcan (we|i|you) (\w+ )?(add|get|upload|use|enforce|export|explain|mark|confirm|block)\b|\bdo(es)? (you|your)\b|"
     r"\bwhich (ports?|check|version|option)\b|\bwhere (can|do|is)\b|\bquestion\b|\bquick one\b|\bexplain\b|\b(is there|where is|where are|link to|find) (the |a |any )?(docs?|documentation)\b|\bdocumentation (for|on|about)\b|"
     r"\b(how|possible|why)\?|\bcan your (platform|product|service|tool|console)\b|\bwhat does it cost\b|\bjust curious\b)"),
     (-1.0, -0.8, -0.2, 1.8)),
    ("feature request / planning",
     (r"\b(feature request|feature req|would (be|love|like)|it would be (nice|great)|nice to have|roadmap|"
     r"(any|is it|is this|are there) (\w+ )?planned|planning (to|for|ahead|our|the rollout)|evaluat(e|ing)|pilot|next (quarter|month|year)|q[1-4]\b|in the future|before go[- ]live|"
     r"we plan|we want to|we'?d like)"),
     (-1.5, -1.0, -0.3, 2.0)),
    ("not urgent (hedged)",  # the author rules out a stop; whether it is a problem or a request decides the rest
     (r"\b(not urgent|not an emergency|no emergency|nothing (is )?broken( for (users|anyone|anybody))?|nothing (is |that'?s )?urgent|no rush|no hurry|no urgency|not (really |very |that |so )?(urgent|important|blocking|critical)|not [\w]+[- ]critical|"
     r"not blocking( anyone| anybody| us| work)?|not a blocker|nobody is blocked|no one is blocked|low impact|"
     r"no (real )?(business |user )?impact|whenever you (can|get a chance|have time)|when you have time|"
     r"not the end of the world|can wait)\b"),
     (-2.5, -1.5, 0.0, 1.5)),
    ("…but it matters",  # "not blocking anyone, but the auditors see it Friday": a hedge with a consequence
     r"\b(not urgent|no rush|not blocking( anyone| anybody| us)?|nobody is blocked|low impact|no (real )?impact|not a blocker)\b[^.!?\n]{0,40}\bbut\b",
     (0.0, 0.0, 1.2, -1.2)),
    ("something is wrong",
     (r"\b(wrong|bug|error|errors|missing|empty|incorrect|not (being )?(detected|triggering|working|loading|showing|applied|enforced)|"
     r"(gets?|getting|shows?|showing|says|saying|see|seeing|receives?|throws?) (an? |the |this |error |message )?['\"\u201c]|"
     r"(hasn'?t|has not|haven'?t|have not|didn'?t|did not|doesn'?t|does not|isn'?t|is not|won'?t) (been )?(changed|change|updated|update|"
     r"arrived|arrive|come|worked|work|run|ran|started|start|refreshed|refresh|loaded|load|synced|sync)\b|"
     r"not (updating|changing|running|refreshing|arriving|syncing|loading)|"
     r"keeps? (showing|asking|failing|dropping|flagging|logging|disconnecting|crashing|freezing)|"
     r"nothing (has )?changed on our (side|end)|without any change on our|"
     r"returns nothing|stale|reverted|(please|pls|can (you|someone)|could (you|someone)) (\w+ )?fix|no longer (enforced|applied|working)|keeps (coming|alerting|flagging)|every day for|dropped from|fell from|"
     r"false positives?|never (detect\w*|trigger\w*|match\w*|arriv\w*|show\w*|sync\w*|work\w*)|still (lists?|listed|shows?|shown|appears?|active|accessing|has access)\b)\b"),
     (0.0, 0.0, 0.6, -0.3)),
    ("cosmetic / a wish",
     (r"\b(cosmetic|minor|typo|annoy(ing|ance)|only affects (monitoring|reports?|reporting)|just a wish|just an idea|"
     r"a wish|nice to have|would be (lovely|nice|great|good)|only me,? not important|only test data)\b"),
     (-1.5, -1.0, -0.8, 2.2)),
    ("resolved / closing",
     r"\b((issue|problem|it|this|that|everything)('s| is| was| has been| got| seems| now)( now)? (resolved|fixed|solved|sorted)|you can close|please close|(can|may) be closed|(?<!then )(?<!and )(?<!it )works? again|(?<!then )working again|back to normal)\b",
     (-1.5, -1.2, -0.5, 2.0)),
    ("administrative request",
     (r"\b(please (change|update|send|add|remove|correct|cancel|extend|reissue|re-issue|resend|re-send)|(can|could) (you|our [\w ]{0,20}) send|"
     r"who (do|should) (i|we) contact|we need an? (signed|copy|quote|export)|needed\b|update it|"
     r"(can|could) you (reissue|resend|re-send|issue|update|change|correct)|a quote|a report on a past event)"),
     (-1.0, -0.8, 0.0, 1.5)),
]

STOPS = {"production down / business stopped", "blocked", "nothing works", "no workaround", "exposure in progress",
         "security breach or data exposure"}
SCOPES = {"everyone affected", "a whole site affected", "a team or site affected", "an executive affected"}
PROBLEMS = {"exposure in progress", "admin side blocked", "something is wrong", "production down / business stopped", "security breach or data exposure", "blocked", "degraded",
            "nothing works", "no workaround", "urgency words"}
PRIORITY_POINTS = 0.8  # the customer's stated priority, towards the same urgency
TIER_POINTS = {"enterprise": (0.3, 0.2, 0.0, -0.2), "free": (-0.3, -0.2, 0.1, 0.3)}
BASELINE = (0.0, 0.3, 0.8, 0.5)  # a ticket with no cue at all: most often a medium-sized problem
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
    r"(it'?s |it is )?not that (everyone|everybody|nobody|no one|all)( \w+){0,2}|not (every|all|everyone|everybody)( of)?( the| our)?( \w+)?|"
    r"no (workaround|fallback|other way|alternative)|without (a )?workaround)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_IMPACTED = re.compile(r"\b(affected|impacted|idle|stuck|waiting|sitting|lost|without|on paper|by hand|missing|complain\w*|"
                       r"onboard\w*|new hires|starting)\b", re.IGNORECASE)
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
        for name in ("urgency words", "deadline"):
            if found.pop(name, None) is not None:
                found[f"{name} on a question (ignored)"] = np.zeros(4)
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
        if impact.is_request(t_pos) and not {"question / how-to", "administrative request"} & set(found):
            found["a question or request"] = REQUEST_POINTS
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
    return found


def impact_points(text: str, priority: str | None = None, tier: str | None = None) -> tuple[np.ndarray, list[str]]:
    """Urgency points (critical, high, medium, low) of a ticket text and the names of the cues found.

    The author's own words count fully; quoted replies, forwarded mails and pasted logs count ``QUOTED_WEIGHT``
    (and only for cues the author's words do not already carry).
    """
    subject, _, body = (text or "").partition("\n")  # the first line is the subject, always the author's
    voice = impact.split_voice(body)
    voice.own = f"{subject}\n{voice.own}"
    pts = np.array(BASELINE, dtype=float)
    own = _cue_points(voice.own)
    for add in own.values():
        pts += add
    cues = list(own)
    other = "\n".join(x for x in (voice.quoted, voice.pasted) if x.strip())
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
