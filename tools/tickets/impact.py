"""Impact reader (pure): the parts of a ticket that say how bad things are, read the way people write them.

A ticket mixes the author's own words with material that is not the author's
current situation: quoted replies and forwarded mails (``> …``, ``On … wrote:``,
``-----Original Message-----``), and pasted logs or stack traces. The reader
separates them (:func:`split_voice`) so that urgency is read mainly from the
author's words, the rest counting less.

It then extracts structured facts the urgency rule maps to a level
(:mod:`tools.tickets.urgency`):

- **scope**: how many are affected, from a stated number of people ("~600
  people", "about 70 of them", "3 of us", "the 6-person team") or from scope
  words ("nobody on the 3 floors", "the entire office", "every laptop in
  Legal", "only me");
- **admin side**: only administrators are blocked (a console or admin account),
  which the labelling guide rates below a business stop;
- **active exposure**: data or access exposed or being taken *now* ("public",
  "anyone with the link", "still running", "as we speak", "unknown device");
- **request type**: a question, a how-to or an administrative request written
  as one, with no problem described.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------- own words versus quoted / pasted material

_QUOTE_HEADER = re.compile(
    r"^\s*(-{3,}\s*(original message|forwarded message)\s*-{3,}|on .{3,80} wrote:\s*$|begin forwarded message|"
    r"(from|sent|to|cc|subject|date):\s)",
    re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^\s*(>|\|)")
# a log / trace line: a timestamp, a log level, a stack frame, a shell prompt or key=value runs
_LOG_LINE = re.compile(
    r"^\s*(\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\w{3} \d\d? \d\d:\d\d:\d\d|\[?\d\d:\d\d:\d\d|at [\w.$]+\(|"
    r"traceback \(most recent|file \"[^\"]+\", line \d+|[$#] \w|[*<>] |(\w+=\S+\s+){2,})",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^\s*(```|~~~)")
# a sign-off line ("Kind regards,", "Thanks", "Sent from my phone"): what follows is a signature or a disclaimer
_SIGN_OFF = re.compile(
    r"^\s*((kind|best|warm|many)?\s*regards|thanks( a lot| again| in advance)?|thank you|cheers|sincerely|br|mfg|"
    r"met vriendelijke groet|cordialement|saludos|sent from my [\w ]+)[,.!\s]*$", re.IGNORECASE)
_DISCLAIMER = re.compile(
    r"^\s*(confidentiality notice|disclaimer|this (e-?mail|message|communication)( and any attachments?)? (is|are|may|contains?)|"
    r"if you are not the intended recipient)", re.IGNORECASE)


@dataclass
class Voice:
    own: str  # the author's own words
    quoted: str  # quoted replies, forwarded mails
    pasted: str  # logs, traces, terminal output


def split_voice(text: str) -> Voice:
    """Split a ticket body into the author's own lines, quoted/forwarded lines and pasted logs."""
    own: list[str] = []
    quoted: list[str] = []
    pasted: list[str] = []
    in_fence = False
    in_forward: str | bool = False
    signed_off = False
    for line in (text or "").splitlines():
        if _DISCLAIMER.match(line) or (signed_off and not _QUOTE_HEADER.match(line) and not _QUOTED_LINE.match(line)):
            continue  # a signature or a legal disclaimer says nothing about this problem
        if _SIGN_OFF.match(line) and any(x.strip() for x in own):
            signed_off = True
            continue
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            pasted.append(line)
        elif _QUOTED_LINE.match(line):
            quoted.append(line.lstrip(" >|"))
        elif _QUOTE_HEADER.match(line):
            # below a reply/forward header under the author's text is the earlier mail; a forward pasted on top
            # of the author's text ends at its first blank line
            in_forward = in_forward or ("below" if any(x.strip() for x in own) else "top")
            quoted.append(line)
        elif in_forward == "top" and not line.strip():
            in_forward = False
            own.append(line)
        elif _LOG_LINE.match(line):
            pasted.append(line)
        elif in_forward and line.strip():
            quoted.append(line)
        else:
            own.append(line)
    if not "".join(own).strip() and (quoted or pasted):  # nothing of the author's own: the quote is the ticket
        return Voice(own="\n".join(quoted + pasted), quoted="", pasted="")
    return Voice(own="\n".join(own), quoted="\n".join(quoted), pasted="\n".join(pasted))


# ---------------------------------------------------------------- scope: how many are affected

_NUM = r"(?:\d{1,3}(?:[,.]\d{3})+|\d+)"
_WHO = (r"(?:users?|people|persons?|peoples|employees|staff|colleagues|members|workers|agents|engineers|developers|"
        r"designers|testers|analysts|scientists|traders|nurses|doctors|students|teachers|lawyers|accountants|"
        r"recruiters|operators|technicians|drivers|cashiers|hires|contractors|consultants|clerks|[a-z]{3,}ers|"
        r"admins|administrators|customers|clients|suppliers|partners|leute|personas|personnes|mitarbeiter|"
        r"stores|shops|branches|sites|offices|locations|plants|warehouses|terminals|tills|workstations|laptops|"
        r"machines|devices|pcs|macs|computers|servers|of them|of us)")
# "600 people", "~600 staff", "about 70 of them", "(12 Leute)", "the 6-person team", "19 Mac users"
_COUNT = re.compile(rf"(?<![\w#.,-])(?:~|approx\.? |about |around |some |over |more than |nearly |almost )?({_NUM})"
                    rf"(?:\+)? (?!(?:shifts?|days?|hours?|weeks?|months?|years?|minutes?|times|floors?) )(?:[a-z]+ ){{0,2}}{_WHO}\b|"
                    rf"\b({_NUM})[- ](?:person|people|man|strong|seat|agent) "
                    r"(?:[a-z]+ ){0,2}(?:team|department|group|crew|office|unit|desk|centre|center|shift|squad|practice)\b", re.IGNORECASE)
# "the dev team (22)", "all the Macs in the studio (around 30)": a count in brackets after who is affected
_BRACKETED = re.compile(rf"\((?:~|approx\.? |about |around |some |over |nearly |almost |all )?(?!(?:19|20)\d\d\b)({_NUM})\+?"
                        r"(?: [a-z]+){0,2}\)", re.IGNORECASE)
_ALL_OF_US = re.compile(r"\b(all|both|none) of (us|them)\b", re.IGNORECASE)


_OUT_OF = re.compile(rf"\b({_NUM}) (?:out of|of|in|from) (?:the |our )?({_NUM})\b", re.IGNORECASE)


def people_counts(text: str) -> list[int]:
    """Numbers of affected people (or sites, devices) stated in the text ("8 out of 60" counts 8)."""
    text = _OUT_OF.sub(lambda m: m.group(1) + " of them", text or "")
    out = []
    for m in [*_COUNT.finditer(text or ""), *_BRACKETED.finditer(text or "")]:
        raw = m.group(1) or (m.group(2) if m.re is _COUNT else None)
        if not raw:
            continue
        n = int(re.sub(r"[,.]", "", raw))
        if 0 < n < 10_000_000:
            out.append(n)
    return out


# ---------------------------------------------------------------- admin side, exposure, request type

ADMIN_SIDE = re.compile(
    r"\b((all|both|our|the|only)( \w+){0,3} (super |global |tenant )?(admins|administrators)\b[^.!?\n]{0,60}"
    r"(locked out|can'?t|cannot|unable|fail|blocked|get|lost)|"
    r"(console|portal)\b[^.!?\n]{0,60}\bfor (all|both|every|each)( \w+){0,3} (admins|administrators)\b|"
    r"(every|all|each|both)( \w+){0,2} (admin|administrator) accounts?\b[^.!?\n]{0,60}(suspended|locked|disabled|blocked|deleted)|"
    r"(support|admin|management|billing) (portal|console|site)\b[^.!?\n]{0,60}\b(for )?(all of us|our admins|our team|us)\b|"
    r"(locked out of|can'?t (log ?in|sign in|get) (in)?to|cannot (log ?in|sign in|access)) (the |your )?"
    r"(admin|management|administration) (console|portal|ui|account))",
    re.IGNORECASE,
)

ACTIVE_EXPOSURE = re.compile(
    r"\b(anyone with the link|public(ly)? (shared|accessible|available|readable|visible|online)|(is|are|now|still|went) public|"
    r"indexed by (search engines|google)|(is|are) continuing|(still|keeps?) (running|going|online|happening|downloading|copying|sending|"
    r"forwarding|uploading|public|active|live)|as we speak|right now as|in progress|ongoing|"
    r"(being|are being|is being) (stolen|copied|exfiltrated|downloaded|leaked|forwarded|sent out)|every few (seconds|minutes)|"
    r"\b(to|with) (the |our )?(whole|entire|all[- ]staff|company[- ]wide|every)( \w+)?( distribution)? (company|staff|employees|list|recipients)|"
    r"\d[\d,.]* (external )?recipients|and counting|(deleting|wiping|encrypting|deleted|wiped|encrypted) (\w+ ){0,3}(files|folders|data|records|mailboxes|documents)|"
    r"public (share|link|url|bucket|repo|repository|channel|folder|page)s?|downloaded [^.!?\n]{0,40}\bby (outside|external|unknown|foreign)|"
    r"(posting|posted|sharing|shared|sending|sent|forwarding|forwarded|copying|copied|e-?mailing|e-?mailed|uploading|uploaded)\b[^.!?\n]{0,60}\b(with|to) (\d+ |an? |the |his |her |their |a )?(external|outside|third[- ]party|public|personal|private)|"
    r"(copying|downloading|exfiltrating|forwarding) (\w+ ){0,3}(folders|files|data|records|mail|messages)|"
    r"(unknown|unregistered|unmanaged|foreign) (device|ip|address|host|location|country)|an? (address|ip|host|domain) we don'?t (know|recogni[sz]e)|"
    r"(nobody|no one) (here )?(made|did|changed|approved) (that|this|it)|(data|records|code|secrets|files) (are |is )?(now )?exposed)\b",
    re.IGNORECASE,
)
SENSITIVE = re.compile(
    r"\b(salar(y|ies)|passports?|id scans?|national id|social security|patient|health|medical|payroll|"
    r"credit cards?|card numbers|(customer|client|member|patient) (data|database|records|files|lists?|contacts)|(full|whole|entire) (customer|client|employee|user) (database|list|data)|personal data|pii|secrets?|credentials|passwords|"
    r"source code|records|mailbox|confidential|home addresses|contracts?|hr (documents|files|data|folders?)|"
    r"\d[\d,.]* (files|documents|records|repos|repositories|mails|messages)|\d[\d,.]* ?(gb|tb|gigabytes|terabytes)|"
    r"every (folder|file|document|mailbox))\b",
    re.IGNORECASE,
)

_QUESTION_START = re.compile(
    r"^\s*(hi|hello|hey|dear [\w ]+|quick question|question)?[,:!\s-]*"
    r"(can|could|would|will|is|are|do|does|did|what|what's|where|which|how|who|when|why|should|may|shall|any)\b",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"\b(please|pls|plz|kindly|could you|can you|can u|could u|would you|we need|i need|we'?d like|i'?d like)\b"
    r"[^.!?\n]{0,80}\b(send|reissue|re-issue|resend|issue|share|provide|explain|show|tell|change|update|add|remove|"
    r"correct|cancel|extend|confirm|list|document|recategori[sz]e|categori[sz]e|unblock|whitelist|allow)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# what happens if a date is missed: "otherwise we fail the review", "or the subscription lapses", "if it lapses, 250
# engineers lose access", "without the export we will be marked non-compliant"
CONSEQUENCE = re.compile(
    r"\b(otherwise|or else|or|if (we|it|they|this|that|the \w+) (\w+ )?(miss\w*|can'?t|cannot|don'?t|do not|isn'?t|is not|"
    r"aren'?t|are not|lapses?|expires?|fails?|slips?|doesn'?t|does not)|if (it'?s|this is|that'?s|they'?re) not|"
    r"without (it|this|that|them|the \w+)|failing that|missing (it|this|that|the (deadline|date|cut-?off|window)))\b"
    r"[^.!?\n]{0,80}\b(fail\w*|qualified|late|lose|loses|lost|(be )?fined|fines?|"
    r"penalt\w*|non-?compliant|miss(es)?|pulled|lapses?|stops?|suspended|cancel\w*|(don'?t|won'?t|not|never) (get |be )?paid|out of the|"
    r"no longer|lose access|(can'?t|cannot|won'?t) (\w+ )?(trade|open|ship|work|pay|file|submit|go live|launch|sign)|"
    r"breach\w*|void|forfeit\w*|rejected|disqualified|(be )?marked)\b",
    re.IGNORECASE,
)


_INVESTIGATE = re.compile(r"\b(check|look (at|into)|investigate|fix|why|bug|broken|wrong|working|running|updating)\b",
                         re.IGNORECASE)


def questions(text: str) -> int:
    """How many of the author's sentences are questions (asking to check or fix something reports a problem)."""
    n = 0
    for s in _SENTENCE.split(text or ""):
        s = s.strip()
        if _INVESTIGATE.search(s):
            continue
        if s.endswith("?") or (s and _QUESTION_START.match(s) and len(s) < 200 and "?" in s):
            n += 1
    return n


def is_request(text: str) -> bool:
    """Does the author ask for something (a document, a change, an explanation) rather than report a problem?"""
    return bool(_REQUEST.search(text or "")) or questions(text) > 0


# ---------------------------------------------------------------- an event in progress, or a question about one?
# People ASK about security capabilities in breach vocabulary ("do you detect DNS tunnelling?", "would ransomware be
# blocked by default?", "a report of last quarter's DLP incidents for the board", "after our peer's breach, what would
# we have seen?"). Those are questions, not incidents. What tells them apart is the form, not the words: the tense and
# aspect of the event (happening now vs asked about, hypothetical or past), who it happened to (us vs a peer), and what
# is asked for (an answer, a report, evidence vs help to stop something).

IN_PROGRESS = re.compile(
    r"\b(right now|as we speak|while (i|we) (write|type|speak)|in progress|ongoing|"
    r"still (happening|going( on)?|active|running|open|public|shared|live|connected|logged in|there|has access|"
    r"accessing|uploading|downloading|pulling|sending|copying|leaving|spreading|beaconing|encrypting)|"
    r"(is|are|keeps?|keep on|has been|have been) (\w+ ){0,2}(leaving|encrypting|spreading|pulling|downloading|uploading|copying|exfiltrating|"
    r"beaconing|forwarding|deleting|wiping|entering|reading|scanning|connecting|logging in|signing in|moving laterally)|"
    r"since (this morning|last night|yesterday|tonight|midnight|\d{1,2}(:\d\d)? ?(am|pm|h)?\b)|"
    r"(this|earlier this) (morning|afternoon|evening)|tonight|(\d+|a few|few|an?|one|two) (minutes?|mins?|hours?|hrs?) ago|"
    r"(in|for|over) the (last|past) (\d+|few|an?|one|two) (minutes?|mins?|hours?|hrs?)|"
    r"(just|have just|'ve just) (found|seen|noticed|discovered|caught|been told)|"
    r"(?<!if )(?<!when )we (think|believe|suspect|fear) (that )?(\w+ ){0,4}(is|are|has been|have been) (\w+ing|compromised|breached|hacked|infected))\b",
    re.IGNORECASE,
)
# asking whether / how the product detects, blocks, covers something; a conditional or hypothetical
CAPABILITY_QUESTION = re.compile(
    r"\b(do(es)? (you|your|the|it|this|that) (\w+ ){0,3}(detect|block|catch|alert|flag|stop|prevent|scan|inspect|notice|"
    r"support|cover|protect|log|report|monitor|quarantine|remove|check|handle|see|find)|"
    r"(is|are|be) (\w+ ){0,3}(blocked|enabled|on|inspected|detected|covered|included|supported|logged|caught|turned on) "
    r"(by default|out of the box)|by default\?|out of the box|"
    r"would (we|you|it|that|this|your|the|they|our) (\w+ ){0,3}(have )?(be |been )?(detect|block|catch|caught|see|seen|notice|"
    r"stop|flag|know|alert|protect|cover|let)|"
    r"(can|could) (your|the|this) (\w+ ){0,2}(detect|block|catch|alert|flag|stop|prevent|notice|produce|tell|show|remove)|"
    r"which (of your )?(products?|features?|settings?|controls?|modules?) (would|cover|covers|detects?|would have)|"
    r"hypothetical(ly)?|in an? (\w+ ){0,2}scenario|what would (we|you|it) (have )?(see|seen|do)|"
    r"\bif (there (were|was)|we (ever )?had|ever|an? (employee|attacker|user|contractor|insider|hacker|admin|laptop)|"
    r"someone|somebody|one of (our|the))\b[^.!?\n]{0,120}\bwould\b|how (is|are|does|do|would) (\w+ ){0,4}(computed|calculated|"
    r"detected|handled|stopped|blocked|flagged|protected|work)|"
    r"how (to|do i|do we|can i|can we|should i|should we) (\w+ ){0,2}(investigate|respond|handle|contain|test|detect|check|"
    r"simulate|prepare|report)|(recommended|best) (way|practice|approach|remediation|setting)s?)",
    re.IGNORECASE,
)
# an event that is over, or happened to someone else
PAST_OR_PEER = re.compile(
    r"\b(last (quarter|year|month|week)'?s?|over the (last|past) (\d+|twelve|six|three) (months|years)|"
    r"in the (last|past) (\d+|two|three) (months|years)|(a|our|one of our) (peers?|competitors?)|peers?'s?|competitor'?s|"
    r"(company|companies|firm|bank|retailer|provider|hospital|council|business) (in|from) (our|the same) (sector|industry)|"
    r"in the news|news about|(disclosed|reported|suffered|had) (a |an )?(\w+ )?(breach|incident|attack|outage)|"
    r"(breach|incident|attack|outage) (at|on|of) (a|an|another|one of)|post[- ]incident review|lessons learned|"
    r"(breach|incident) history|three months ago|(months|years) ago)\b",
    re.IGNORECASE,
)
# what is asked for is an answer, a report, evidence, a plan or material, not help to stop something
REPORT_OR_PLAN = re.compile(
    r"\b(board (pack|meeting|deck|report|question)|for the board|audit committee|questionnaire|rfp|auditors?|"
    r"insurers?|insurance|broker|tabletop|(purple|red)[- ]team|exercise|runbook|playbook|(awareness )?training|"
    r"incident response plan|ir plan|impact assessment|dpia|design document|architecture question|"
    r"security review|due diligence|whitepaper|advisory|records of processing|to (explain|describe|answer|understand)|"
    r"documentation|(for|in) (the )?future)\b",
    re.IGNORECASE,
)
NO_LIVE_EVENT = re.compile(
    r"\b(nothing (has )?happened|not an incident|no (incident|suspicion|sign of anything)|"
    r"(just|only) (a question|curious|trying to understand|asking|documenting|wondering)|proactive(ly)?|"
    r"not seeing anything|nothing (bad|suspicious|ongoing)|no live (alert|incident)|no suspicion)\b",
    re.IGNORECASE,
)
UNCONFIRMED = re.compile(
    r"\b((haven'?t|have not|not) (yet )?(confirmed|verified)|not sure (yet )?(if|whether) (it'?s|this is|these are) real|"
    r"(are|is) (these|they|this|it) real\b|could be a false positive|"
    r"(haven'?t|have not|not) (yet )?seen (anything|any data|data) (leave|leaving|go out|taken|exfiltrated)|no (data|exfiltration) (seen|observed) yet)", re.IGNORECASE)


def event_form(text: str) -> list[str]:
    """How the author frames the event the ticket names: in progress, or asked about (capability, past, report)."""
    out = []
    for name, rx in (("event in progress", IN_PROGRESS), ("asks about a capability", CAPABILITY_QUESTION),
                     ("a past or another's event", PAST_OR_PEER), ("asks for a report or plan", REPORT_OR_PLAN),
                     ("no live event (said)", NO_LIVE_EVENT), ("not confirmed yet", UNCONFIRMED)):
        if rx.search(text or ""):
            out.append(name)
    return out
