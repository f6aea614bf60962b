"""Urgency from the impact a ticket describes, read the way people write: own words versus quoted mail and logs,
how many are affected, hedges, the admin side, exposure in progress, requests; and the third hand-written set."""

from __future__ import annotations

import pytest

from evals.triage.score import THIRD_SET, evaluate, load, split
from tools.tickets import classify as cls
from tools.tickets import impact


def test_third_set_is_scored_and_holds():
    rows = load(THIRD_SET)
    assert len(rows) >= 60 and {r["product"] for r in rows} == set(cls.PRODUCTS)
    res = evaluate(rows, base=False)
    print(f"\nthird set: product {res['product_accuracy']:.3f}, urgency {res['urgency_accuracy']:.3f}")
    assert res["product_accuracy"] >= 0.90 and res["urgency_accuracy"] >= 0.85
    report = evaluate(split(rows, "report"), base=False)
    assert report["product_accuracy"] >= 0.90 and report["urgency_accuracy"] >= 0.80


def test_quoted_replies_forwards_and_logs_are_not_the_authors_words():
    v = impact.split_voice(
        "Could you send the incident report for our auditors?\n\nOn Mon, 2 Feb, NOC wrote:\n"
        "> every till in every shop is down\nThanks, Priya")
    assert "incident report" in v.own and "every till" in v.quoted and "every till" not in v.own
    v = impact.split_voice("-----Original Message-----\nFrom: monitor@\nSubject: gateway lost\n\n"
                           "Ours: should we do anything about this one?")
    assert "should we do anything" in v.own and "gateway lost" in v.quoted
    v = impact.split_voice("Sync agent crashes on start.\n```\nERROR fatal: cannot bind\n```\n"
                           "2031-07-01 10:00:01 WARN retry=3 code=17\nOnly on the kiosk PC.")
    assert "fatal" in v.pasted and "WARN" in v.pasted and "Only on the kiosk" in v.own


@pytest.mark.parametrize(("text", "n"), [
    ("roughly ~450 staff idle", 450), ("about 70 of them", 70), ("(12 Leute)", 12), ("3 of us", 3),
    ("the 9-person night crew", 9), ("all 1,250 cashiers", 1250), ("ticket #4411 from 2031", None),
])
def test_people_counts_in_many_phrasings(text, n):
    got = impact.people_counts(text)
    assert (max(got) if got else None) == n


def _u(subject: str, content: str, **kw) -> str:
    return cls.triage(subject, content, **kw).urgency


def test_a_request_about_a_past_outage_is_low_though_the_quote_shouts():
    assert _u("Re: the meltdown on Tuesday", "Appreciate the quick fix. Please send the post-mortem so we can file it.\n\n"
              "On Tue, Quartermaster Ops wrote:\n> EMERGENCY!!! every depot is offline, nobody can dispatch") == "low"


def test_only_the_administrators_locked_out_is_high_not_critical():
    assert _u("console login loop", "All four of our tenant administrators are locked out of the management console "
              "since the certificate swap. Staff traffic is unaffected, but nobody can edit rules.") == "high"


def test_data_being_taken_right_now_is_critical_without_the_word_breach():
    assert _u("odd sync job", "A sync job from an unregistered device is copying the clinic folders with patient "
              "letters to a host we don't know, it's still running.") == "critical"


def test_a_hedge_rules_out_a_stop_and_a_consequence_keeps_it_a_problem():
    assert _u("dashboard counts off", "The weekly blocked-requests widget is empty since the upgrade. "
              "Not blocking anyone, but the board pack goes out Thursday.") == "medium"
    assert _u("font in the block page", "The block page shows our logo in the wrong size. Cosmetic, no rush.") == "low"


def test_scope_words_and_counts_size_the_impact():
    assert _u("nothing loads", "No one in the Gdansk plant can open any site since 7:00, the 300 operators are "
              "sitting idle.") == "critical"
    assert _u("designers stuck", "The 11 designers in our studio get 'access refused' on the asset library since "
              "noon, their delivery is tonight.") == "high"
    assert _u("only mine", "My laptop shows 'agent disconnected' twice a day; a restart fixes it.") == "medium"


def test_a_plain_question_or_request_is_low():
    assert _u("seat count", "Remaining seats on our subscription? We onboard a new cohort in May.") == "low"
    assert _u("PO number", "pls put PO 7781-A on next month's invoice") == "low"


def test_a_security_control_acting_on_a_business_document_is_not_a_general_ticket():
    d = cls.triage("cannot mail the tender", "Every time I email the tender offer with our bank account number to the "
                   "client it is quarantined by policy. The sales assistant can send it from her machine.")
    assert d.product == "DLP"


def test_credentials_given_to_a_fake_page_are_a_breach():
    assert _u("fake sign-in page", "Two of our buyers typed their credentials into a fake sign-in page this morning.") \
        == "critical"


def test_a_closed_problem_is_low_and_a_plain_today_is_no_deadline():
    assert _u("all good now", "The tunnel to the depot is working again, feel free to close this.") == "low"
    assert _u("slowness", "Browsing is a bit slow today for me.") == "medium"


def test_no_workaround_for_one_or_two_people_is_still_medium():
    assert _u("scanner uploads", "Me and one colleague (2 of us) can't upload scans to the portal, there is no workaround.") \
        == "medium"
    assert _u("scanner uploads", "Nobody in any of our 30 branches can upload scans, there is no workaround.") == "critical"


def test_signatures_and_legal_disclaimers_are_not_the_ticket():
    body = ("Could you add our new Lisbon office to the report distribution list?\n\nBest regards,\nAna\n"
            "Facilities | Duarte Logistica\n\nDISCLAIMER: This e-mail is confidential. If received in error, notify the "
            "sender immediately and destroy it; urgent legal action may follow any disclosure.")
    v = impact.split_voice(body)
    assert "Lisbon" in v.own and "immediately" not in v.own and "immediately" not in v.quoted
    assert _u("distribution list", body) == "low"


def test_a_deadline_in_hours_and_every_unit_of_an_organisation():
    assert _u("tariff sheet", "The partner portal rejects our tariff upload with 'format invalid' for our pricing team; "
              "the partner's cut-over happens in 2 hours.") == "high"
    assert _u("no web in the wards", "Every clinic in the region has no web access since 06:40, ~2,000 staff.") \
        == "critical"


def test_an_sla_breach_is_not_a_security_breach_and_an_inventory_is_not_an_impact():
    d = cls.triage("replies held", "The returns desk (6 agents) can't send replies with order numbers, the rule holds "
                   "them; we are breaching our 24h response SLA today.")
    assert "security breach or data exposure" not in d.urgency_cues and d.urgency == "high"
    assert _u("licence count off", "The console counts 2,900 used seats, our directory has 2,300 users. Can you check "
              "before the next invoice?") == "medium"


def test_unsure_products_are_general_and_middling_ones_are_guesses_flagged_for_a_human():
    from evals.triage.score import PROBE_SETS

    rows = [r for p in PROBE_SETS for r in load(p, split_name="tune")] + load(THIRD_SET)
    band = 0
    for r in rows:
        d = cls.triage(r["subject"], r["content"], priority=r.get("priority"), tier=r.get("tier"), base=False)
        if d.product_confidence < cls.UNSURE_PRODUCT:
            assert d.product == "GENERAL" and d.needs_human and "Needs a human" in cls.reasoning(d)
        elif d.product_confidence < cls.NEEDS_HUMAN_PRODUCT:
            band += 1
            assert d.product == d.product_guess and d.needs_human and "Needs a human" in cls.reasoning(d)
        else:
            assert d.product == d.product_guess
    assert band >= 1
