"""The impact cues of the urgency rule (data only): a name, a pattern on lower-cased text, and points per urgency.

Split out of :mod:`tools.tickets.urgency`, which reads them (interactions, people counts, the author's own words
versus quoted ones). Points are (critical, high, medium, low); all were chosen on TUNE sets only
(evals/triage/README.md).
"""

from __future__ import annotations

_NUM = r"(?:\d{1,3}(?:[,.]\d{3})+|\d+)"
_PEOPLE = r"(?:users?|people|employees|staff|persons?|agents|engineers|developers|admins|administrators|colleagues|members|workers|scientists|analysts|traders|nurses|doctors|students|hires|contractors|consultants|technicians|operators|drivers|teachers|customers|clients|suppliers|stores|shops|branches|sites|offices|locations|plants|terminals|workstations|devices|phones|laptops|computers|machines|pcs|macs|desktops|tills|registers)"

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?:[1-9]|[12]\d|3[01])"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# a calendar day: "the 14th", "3rd of December", "28 November", "Nov 28", "Friday the 21st" (not "the 3rd floor")
_DATE = (rf"(?:{_WEEKDAY},? (?:the )?{_DAY}(?:st|nd|rd|th)?|(?:the )?{_DAY}(?:st|nd|rd|th)(?: of {_MONTH})?|{_DAY} (?:of )?{_MONTH}|"
         rf"{_MONTH} {_DAY}(?:st|nd|rd|th)?)\b(?! (?:floor|line|party|level|time|attempt|try|round|gen\w*|tier|person|shift|"
         r"place|quarter|century|call|reminder|email|mail|ticket|case))")
# a dated deadline: "by the 14th", "before 30 November", "the committee meets on the 14th", "expires on Nov 30"
_DATED = (rf"(?<!since )(?<!last )(?<!from )\b(by|before|until|till|no later than|ahead of|due( on| by)?|deadline( is)?( on)?) (the )?{_DATE}|"
          r"\b(meets?|meeting|expires?|expiry|lapses?|closes?|ends?|starts?|arrives?|due|review|audit\w*|assessment|"
          r"assessors?|on site|go(es)?[- ]live|renewal|cut-?off|visit\w*|hearing|deadline|submissions?|filing)\b"
          rf"[^.!?\n]{{0,30}}\bon (the )?{_DATE}|{_DATE},? (is|was) (the )?(deadline|cut-?off|last day)")

# what stops, trips or breaks (equipment, systems, connections), for the recurring-fault cue
_FAULT = (r"trip(s|ped|ping)?( out| off)?|fail(s|ed|ing)?|fault(s|ed|ing)?|crash(es|ed|ing)?|(went|goes|going|gone) (down|offline|off|out)|"
          r"drop(s|ped|ping)? (out|off)|cut(s|ting)? (out|off)|shut(s|ting)? (down|off)|stop(s|ped|ping)|broke( down)?|breaks( down)?|"
          r"jam(s|med|ming)?|overheat(s|ed|ing)?|reset(s|ting)?|reboot(s|ed|ing)?|restart(s|ed|ing)?|froze|freez(es|ing)|locked up|"
          r"alarm(s|ed|ing)?|error(s|ed)|disconnect(s|ed|ing)?|stall(s|ed|ing)?|blew|blown|leak(s|ed|ing)|reject(s|ed|ing)|tripped|"
          r"(is|are|was|were|went|gone|goes) out of (order|service|action)")
# what a business produces or earns, for the ongoing-loss cue
_OUTPUT = (r"generation|output|production|producing|revenue|money|sales|orders|income|yield|throughput|capacity|power|"
           r"energy|bookings|reservations|business|customers|footfall|units|batches|product|parts|stock|shipments|"
           r"deliveries|calls|transactions|payments|hours|shifts|days|(\w+ )?(time|uptime|availability)|mwh|kwh|tonnes|litres|"
           r"loads|runs|covers|tickets sold")
# the loss goes on: "every day", "since Monday", "each shift", "still", "per hour"
_ONGOING = (r"every (single )?(day|night|hour|shift|week|morning|run|batch)|each (day|night|hour|shift|week|run)|daily|nightly|"
            r"hourly|(per|a|an) (day|hour|shift|night|week)|since\b|for (days|weeks|\d+ (days|weeks|shifts|hours))|still|"
            r"keeps?|ongoing|continu\w+|right now|as we speak|(all|this) week|every time")

# a statement that it is over, unless qualified: "all good now, except Leeds", "the fix works, but only on wifi"
_NOT_AFTER = r"(?![^.!?\n]{0,40}\b(but|except|until|then|only|still|workaround)\b)"

# (name, pattern, points per urgency: critical, high, medium, low). Patterns run on lower-cased text.
CUES: list[tuple[str, str, tuple[float, float, float, float]]] = [
    # --- scope
    ("everyone affected",
     (r"\b(every(one|body)|all (of )?(our |the )?(users|employees|staff|people|admins|administrators|locations|offices|sites|branches|stores|remote|customers|clients)|"
     r"every (single )?(user|employee|staff member|person|office|site|location|branch|customer|store|shop|clinic|school|restaurant|hotel|depot|warehouse|pharmacy|practice|ward)|worldwide|globally|"
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
     r"(all|none) of (finance|payroll|accounting|accounts( payable| receivable)?|hr|sales|marketing|legal|engineering|support|"
     r"operations|ops|procurement|purchasing|logistics|it|r&d|research|customer service|claims|billing|dispatch|admissions)|"
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
     (r"\b(outage|production (is )?(down|impact|incident|outage)|prod down|(is|are|went|goes) (both |all )?down\b|\w+ offline\b|(has|have|had) no (internet|network|connectivity|e-?mail|phones?)\b|(calls|orders|tickets|queues?|chats|cases|claims|e-?mails|jobs|patients) (are )?piling up|completely down|"
     r"(business|operations?|work) (has |have )?(stopped|halted|at a standstill)|can'?t (take|process) (card )?payments|(lost|losing|no) (all )?(card )?payments|(turning|sending) (customers|patients|guests|people) away|(taking )?cash only|"
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
     r"(none|neither) of us (created|added|installed|approved|set up|invited)|(none|neither) of us (knows?|recogni[sz]es?) (the |this |that )?(app|application|account|user|admin|administrator|integration|device|token|rule|it)\b|"
     r"unknown (integration|app|application|process|script|account|user|actor|party)|(it )?(wasn'?t|was not) (any of |one of )?(us|our (admins|team|people|staff))\b|credentials (were |are |got )?(stolen|leaked|phished|exposed)|insider threat|(somebody|someone|an? (unknown|outsider|stranger)) (now )?(has|had|got|gained|took) (full |global |super )?(admin|access|control)|(we|i) (didn'?t|did not) do (this|that|it)|(ip|logins?|sign[- ]?ins?) (from|in) (an? )?(\w+ )?(another|other|foreign|unknown) country)"),
     (3.0, 0.5, -0.5, -1.5)),
    ("blocked",
     (r"\b((can'?t|cannot|can not|could not|couldn'?t|unable to|not able to)(?! (find|locate|remember|see where|tell|wait))|blocked|stuck|lost access|unreachable|"
     r"(?<!not )blocked|denied|refused|rejected|(nobody|no one|none of \w+) (\w+ ){0,6}(can|could|is able|are able)|fails?|failing|failed|broken|not working|doesn'?t work|don'?t work|won'?t|stopped)\b"),
     (0.3, 0.8, 0.5, -0.8)),
    # a fault that comes back: "tripped twice last night", "keeps cutting out", "down again", "the third time this week"
    ("a fault that keeps recurring",
     (rf"\b(({_FAULT})\b[^.!?\n]{{0,40}}\b(twice|(\d+|two|three|four|five|six|several|multiple|many|a few|a couple of|"
     r"countless|so many) times|(?<!try )(?<!trying )(?<!tried )(?<!retry )(?<!retrying )again|repeatedly|over and over|"
     r"(every|each) (single )?(day|night|morning|evening|shift|week|hour|"
     r"cycle|run|batch)|daily|nightly|most (days|nights|mornings))|"
     r"keeps? (on )?(trip\w*|fail\w*|fault\w*|crash\w*|stopp\w*|shutting (down|off)|break\w*|going (down|offline|off|out)|"
     r"dropp\w*|cutting (out|off)|reset\w*|reboot\w*|restart\w*|jamm\w*|overheat\w*|alarm\w*|erroring|freez\w*|locking up|"
     r"los(ing|es) \w+|happening|coming back|recurring|tripping out|blowing|leaking|stalling|seizing|rejecting|blocking|"
     r"quarantining|timing out|disconnecting|going out of (order|service))|"
     r"(for|it'?s) the (second|third|fourth|fifth|sixth|\d+(st|nd|rd|th)) time|recurring (fault|problem|issue|failure|trip|error|alarm|outage)|"
     r"(same|this) (fault|problem|issue|error|alarm|trip|failure|outage|breakdown) (again|keeps|every|as (last|before|yesterday))|"
     r"((has|have|had|is|are|was|were|went|gone|happened|happening|failed|tripped|crashed|stopped|down|offline|broken|faulted) again)\b(?! (later|now|after|once|when|fine|ok|normally|properly|as (normal|usual|expected))\b)|"
     r"(\d+|two|three|four|five|several|multiple|repeated) (trips|failures|faults|crashes|outages|breakdowns|stoppages|shutdowns|"
     r"resets|reboots|restarts) (since|this|in|last|overnight|today|yesterday|a |per )|"
     r"(still|again) (not working|failing|tripping|down|broken|offline|crashing)|still happening)\b"),
     (0.0, 0.8, 1.0, -1.2)),
    # output, revenue or service lost while it lasts: "losing generation every day since the update", "costing us
    # sales every hour", "we lose two batches a shift" (the loss goes on; not "lost my password")
    ("output or revenue being lost",
     (rf"\b(((we('re| are)? |we have been |we'?ve been |it'?s |it is |this is |they('re| are) )?(losing|lose|loses|lost|missing|"
     rf"burning|wasting|dropping|scrapping|throwing away|writing off))\b[^.!?\n]{{0,25}}\b({_OUTPUT})\b[^.!?\n]{{0,40}}\b({_ONGOING})|"
     rf"({_ONGOING})\b[^.!?\n]{{0,40}}\b(losing|lose|lost|missing|wasting|scrapping)\b[^.!?\n]{{0,25}}\b({_OUTPUT})|"
     rf"costing (us|them|the (\w+ )?(business|company|site|plant|store|farm))[^.!?\n]{{0,30}}\b({_ONGOING}|money|thousands|a fortune)|"
     r"(each|every) (time|stop|trip|drop|outage|breakdown|stoppage)\b[^.!?\n]{0,40}\b(we|they|the \w+) (lose|loses|lost|scrap|bin)|"
     rf"({_OUTPUT}) (\w+ ){{0,2}}lost (\w+ ){{0,2}}({_ONGOING})|"
     r"(no|zero) (output|generation|production|revenue|sales|orders|income) (for|since)|"
     r"(output|generation|production|revenue|sales|orders|yield|throughput|income|bookings) (is |are |has |have )?(been )?"
     r"(down|dropping|falling|lost|way down|halved|collapsed)\b[^.!?\n]{0,40}\b(since|every|each|daily|for (days|weeks)))\b|"
     # money lost per unit of time: "£600 a day", "$2k per hour" (the symbol is no word character: outside the \b)
     r"(?<![\w£$€])[£$€]\s?\d[\d,.]*\s?k? (a|an|per|every|each) (day|hour|shift|week|night)\b"),
     (0.4, 1.5, 0.0, -1.2)),
    # a follow-up on a fault: "is someone looking at this?", "any update?" (with a problem: a chase, not a how-to)
    ("a fault chased",
     r"\b(is (someone|anyone|anybody) (looking (at|into)|working on|on|dealing with|aware of) (this|it|that)|"
     r"(has|did) (someone|anyone|anybody) (looked|picked (this|it) up|seen this)|who is (looking|working) (at|on|into) (this|it)|"
     r"any (update|news|progress|eta)( on (this|it|a fix))?|still waiting (for|on) (a fix|someone|an engineer|a reply|an answer))\b",
     (0.0, 0.5, 0.2, -0.8)),
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
     (rf"{_DATED}|"
     r"\b((due|by|before|until|deadline|must|has to|have to|needs? to|need (it|this|them)|starts?|ends?|closes?|launch\w*|"
     r"go(es)? live|payday|hearing|meeting|exams?|audit\w*|release\w*|deliver\w*|submit\w*|filing|ship\w*|leaves?|sla|breach\w*|"
     r"on site|arrive\w*)\b[^.!?\n]{0,40}\b(today|tonight|tomorrow)|(today|tonight|tomorrow)('s|( at| by| before)? \d)|"
     r"(today|tonight|tomorrow) (is|was) (the )?(deadline|last day|cut[- ]?off)|by (monday|tuesday|wednesday|thursday|friday|"
     r"saturday|sunday|eod|end of day|\d{1,2}(:\d\d)? ?(am|pm)?|noon)|before (monday|tuesday|wednesday|thursday|friday)|before the (\w+ ){0,2}(deadline|meeting|audit|cut[- ]?off|launch|release|"
     r"go[- ]live|end of|weekend|holidays?|board|review|hearing|exams?|close|closing|start|shift|flight|trucks?|visit|market|"
     r"\w+ (opens|starts|closes|begins|ends|arrives|leaves))|"
     r"(auditors?|regulator|committee|board|launch|go[- ]live|cut-?over|migration|kick-?off|opening|inspection|exam board)\b[^.!?\n]{0,40}\b(arrives?|comes?|visits?|meets?|signs?|starts?|opens?|is|are|happens?)\b[^.!?\n]{0,20}\b(on|this|next) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
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
     r"\b((?<!until )(?<!till )(?<!once )(?<!when )(?<!unless )(?<!before )(?<!if )(issue|problem|it|this|that|everything)('s| is| was| has been| got| seems| now)( now)? (resolved|fixed|solved|sorted)|you can close|please close|(can|may) be closed|(?<!then )(?<!and )(?<!it )works? again|(?<!then )working again|back to normal|"
     # the author closes the thread: "happy for you to close the case", "mark it as solved", "no need to keep this open"
     r"((feel free|happy for you|free|ok|okay|fine|go ahead and) (\w+ )?(to )?|(we|you) can )close (this|it|the (ticket|case|call|incident|p[1-4]))|"
     r"(?<!n't )(?<!not )(mark|marking|set) (this|it|the (ticket|case)) (\w+ )?(as )?(solved|resolved|closed|done)|no need to keep (this|it|the (ticket|case)) open|"
     r"closing (this|it|the (ticket|case) )?(\w+ )?(from|on) our (side|end)|(?<!you )(confirmed|confirm(ing)? (that )?(it'?s|it is|this is)) (fixed|resolved|working)(?!\?)|"
     rf"(sorted|fixed|resolved) itself( out)?|no longer an issue|(we'?re|we are|all|everything'?s?( is)?) (all )?(good|fine|sorted) now{_NOT_AFTER}|"
     # "the fix you sent works", "the cert renewal did the trick" (not "the fix worked, but …" or "the workaround works")
     r"(fix|patch|hotfix|rollback|roll-back|renewal|restart|reboot|update|upgrade|change|override|redeploy\w*|reinstall\w*)( you (sent|suggested|pushed))? "
     r"((now|finally|really|also|definitely|clearly) )?(works|worked|did the trick|held|has held|solved it|fixed it|sorted it)"
     rf"{_NOT_AFTER})\b",
     (-1.5, -1.2, -0.5, 2.0)),
    ("administrative request",
     (r"\b(please (change|update|send|add|remove|correct|cancel|extend|reissue|re-issue|resend|re-send)|(can|could) (you|our [\w ]{0,20}) send|"
     r"who (do|should) (i|we) contact|we need an? (signed|copy|quote|export)|needed\b|update it|"
     r"(can|could) you (reissue|resend|re-send|issue|update|change|correct)|a quote|a report on a past event)"),
     (-1.0, -0.8, 0.0, 1.5)),
]
