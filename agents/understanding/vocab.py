"""Plain English the parser reads as words, never as names (so typo matching leaves them alone)."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word list written as text."""
    return frozenset(text.split())

STOP = words(
    """a about above after again against all also am an and any anything are as at be because been before being
    below between both but by can could did do does doing done down during each else ever every few for from further
    get gets got had has have having he her here hers him his how i if in into is it its itself just let me more most
    my no nor not now of off on once only or other our ours out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we were what whats when where
    which while who whom why will with would you your yours show tell give list find see look looking please thanks
    thank need needs needed want know like much many one two three four five six seven eight nine ten top bottom
    best worst lowest highest least fewest most biggest largest smallest better worse rank ranking ranked compare
    compared comparison versus vs against between which what happened happening going doing status state how's
    whats what's who's it's there's latest last recent recently current currently still open opened closed resolved
    pending new old today yesterday week weeks month months year years day days daily weekly monthly quarter since
    ago past previous next this that same thing things again instead also too about around near approximately
    why cause caused causes causing reason reasons root behind explain explanation changed change changes changing
    drop dropped dropping fall fell falling rise rose rising spike spiked spiking jump jumped jumping increase
    increased decrease decreased went gone up down worse better degrade degraded degradation improve improved
    chart plot graph visualize visualise trend trends value values number numbers count total totals rate rates
    average mean sum kpi kpis metric metrics signal signals dashboard attention alert alerts warning warnings
    critical red amber green wrong problem problems issue issues concern concerning alarming look bad good
    station stations region regions site sites location locations company overall whole entire across everywhere
    service services deploy deploys deployed deploying deployment deployments release releases released rollout
    rollback ship shipped config configuration commit commits committed merge merged pr depend depends dependency
    dependencies dependents upstream downstream calls call
    incident incidents outage outages failure failures downtime disruption event events report reports draft write
    postmortem post-mortem summary summarize summarise ticket tickets case cases customer customers sla slas
    breach breached breaching risk response resolution met classify classification triage categorize categorise
    similar suggest suggested reply priority urgent urgency enterprise business standard free tier tiers product
    products backlog queue how many performing perform doing do did does was were is are be there it they
    morning afternoon evening night noon moment time times hour hours minute minutes during first second third
    monday tuesday wednesday thursday friday saturday sunday weekend
    errors error latency throughput traffic slow slower slowness saturation cpu memory p99 p95 p50 requests
    health healthy unhealthy ok okay fine hi hello hey thanks weather tomorrow everything anything something nothing
    stuff looking shape situation picture overview update updates summary worry worried concern concerned lately
    recently usual normal unusual going trending throwing broke broken per via each vs.
    stack stacks stacking peers others everyone everybody forecast forecasts predict prediction
    handover handovers hand-over hand-overs handoff shift shifts notes brief briefing
    """
)

# Acronyms people type in capitals that are not places.
ACRONYMS = words(
    "KPI KPIS SLA SLAS API APIS YOY MOM WOW QOQ UTC GMT CPU RAM DNS ETA FAQ ID IDS OK PM AM US USA UK EU IT HR QA "
    "CEO CTO CIO COO CFO CMO CISO CPO SVP EVP MD GM VP TV PDF CSV URL SQL MTTR MTBF MTTA RCA ASAP FYI TL DR TLDR OPS DEVOPS SRE NOC SOC P1 P2 P3 P4 "
    "SEV SEV1 SEV2 SEV3 SEV4 Q1 Q2 Q3 Q4 YTD MTD WTD PST EST CST MST UTC I A AND OR THE VS AT IN ON OF"
)

PLACE_PREPS = frozenset({"at", "in", "for", "from", "vs", "versus", "and", "to", "of"})

# Everyday words that are also parts of place names ("King's Cross", "Royal General"): a lone one names a place
# only when capitalised or after "at/in/for…".
COMMON_PLACE_WORDS = words(
    """
    cross new street royal general temple city park bridge green hill field river lake valley spring springs port
    bay beach mount rock stone grand union central north south east west upper lower old saint king kings queen
    queens market square gate castle church mill wood forest love sky harbor harbour point view heights junction
    centre center plaza tower garden gardens meadow meads common commons mission hope liberty victory pleasant
    fair fairview summit crossing station terminal
    """
)

# Compass words that tell sibling sites apart ("Mercy North" / "Mercy South").
DIRECTIONS = words("north south east west northeast northwest southeast southwest upper lower inner outer")
