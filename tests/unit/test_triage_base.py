"""The shipped base model: trained on the hand-written corpus, judged only on tickets it never saw."""

from __future__ import annotations

from evals.triage.score import (
    HOLDOUT_C,
    HOLDOUT_D,
    HOLDOUT_E,
    HOLDOUT_F,
    HOLDOUT_G,
    HOLDOUT_H,
    HOLDOUT_SET,
    ece,
    evaluate,
    load,
)
from tools.tickets import base
from tools.tickets import classify as cls


def test_the_corpus_is_shipped_and_labelled():
    rows = base.corpus()
    assert len(rows) >= 700
    assert {r["product"] for r in rows} == {"CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL"}
    assert {r["urgency"] for r in rows} == {"critical", "high", "medium", "low"}
    held_out = {(r["subject"], r["content"]) for path in (HOLDOUT_C, HOLDOUT_D, HOLDOUT_E, HOLDOUT_F,
                                                              HOLDOUT_G, HOLDOUT_H, HOLDOUT_SET)
                for r in load(path, split_name="h")}
    assert not held_out & {(r["subject"], r["content"]) for r in rows}, "a held-out ticket leaked into the corpus"


def test_base_model_lifts_accuracy_on_another_authors_tickets():
    rows = load(HOLDOUT_C, split_name="holdout")
    rules = evaluate(rows, base=False)
    both = evaluate(rows)
    print(f"\nholdout_c: rules {rules['product_accuracy']:.3f}/{rules['urgency_accuracy']:.3f}, "
          f"with base {both['product_accuracy']:.3f}/{both['urgency_accuracy']:.3f}")
    assert both["product_accuracy"] >= 0.93 and both["urgency_accuracy"] >= 0.88
    assert both["product_accuracy"] > rules["product_accuracy"] and both["urgency_accuracy"] > rules["urgency_accuracy"]
    assert both["needs_human"] < rules["needs_human"]


def test_confidence_means_what_it_says_on_another_authors_tickets():
    # the mixed prior's temperatures were fitted leave-one-author-out on the corpus, never on these tickets;
    # uncalibrated, a stated 0.6 was right 94 % of the time (ECE 0.12)
    res = evaluate(load(HOLDOUT_C, split_name="holdout"))
    assert ece(res["product_conf"], res["product_ok"]) < 0.06
    assert ece(res["urgency_conf"], res["urgency_ok"]) < 0.06
    confident = [ok for c, ok in zip(res["product_conf"], res["product_ok"], strict=True) if c >= 0.85]
    assert len(confident) >= 90 and sum(confident) / len(confident) >= 0.97


def test_a_fifth_author_from_other_industries():
    # hospitals, retail chains, plants, schools; escalations with partial information, chat transcripts, non-native
    # English — written after every choice, scored once: rules 0.777 / 0.777, with the base model 0.929 / 0.866
    res = evaluate(load(HOLDOUT_D, split_name="holdout"))
    assert res["product_accuracy"] >= 0.90 and res["urgency_accuracy"] >= 0.84
    assert ece(res["product_conf"], res["product_ok"]) < 0.06


def test_a_sixth_author_with_soc_jargon_reopened_tickets_and_wrong_product_names():
    # banks, law firms, studios, NGOs, MSPs; pasted alerts, two issues in one, the customer naming the wrong
    # product — written after stop 12, never read, scored once: rules 0.781 / 0.810, with the base model 0.924 / 0.905
    res = evaluate(load(HOLDOUT_E, split_name="holdout"))
    assert res["product_accuracy"] >= 0.90 and res["urgency_accuracy"] >= 0.86
    assert ece(res["product_conf"], res["product_ok"]) < 0.07


def test_a_seventh_author_with_translated_tickets_pasted_diagnostics_and_forwarded_chains():
    # hospitals, universities, OT plants, logistics, retail chains, agencies, a crypto exchange; machine-translated
    # tickets, traceroute/openssl pastes, the ask at the end of a forwarded chain — written at stop 14, scored once,
    # nothing changed after: rules 0.819 / 0.771, with the base model 0.943 / 0.876 (ECE 0.035 / 0.055)
    res = evaluate(load(HOLDOUT_F, split_name="holdout"))
    assert res["product_accuracy"] >= 0.92 and res["urgency_accuracy"] >= 0.85
    assert ece(res["product_conf"], res["product_ok"]) < 0.06
    assert ece(res["urgency_conf"], res["urgency_ok"]) < 0.08


def test_an_eighth_author_with_phone_typed_tickets_msps_and_two_problems_in_one():
    # law firms, airlines, broadcasters, insurers, gyms, NGOs on personal laptops, game studios, site offices on 4G,
    # a GxP lab; MSP technicians, developers whose git/npm/docker breaks, phone-typed tickets, two problems in one,
    # replies to the auto-acknowledgement — written at stop 15, scored once, nothing changed after: rules
    # 0.838 / 0.867, with the base model 0.962 / 0.933 (ECE 0.037 / 0.037)
    res = evaluate(load(HOLDOUT_G, split_name="holdout"))
    assert res["product_accuracy"] >= 0.94 and res["urgency_accuracy"] >= 0.91
    assert ece(res["product_conf"], res["product_ok"]) < 0.06
    assert ece(res["urgency_conf"], res["urgency_ok"]) < 0.06


def test_a_ninth_author_with_escalations_packet_captures_and_contradicting_subjects():
    # a university, a hospital trust, a council, a bank's branches, a post-production house, field engineers on
    # tablets; help-desk escalations in the user's words, packet captures, subjects that contradict the body —
    # written at stop 16, scored once, nothing changed after: rules 0.819 / 0.733, with the base model 0.914 / 0.933
    # (ECE 0.036 / 0.118: two capability questions that name an incident are called critical)
    res = evaluate(load(HOLDOUT_H, split_name="holdout"))
    assert res["product_accuracy"] >= 0.90 and res["urgency_accuracy"] >= 0.91
    assert res["u_confusion"][("low", "critical")] <= 2
    assert ece(res["product_conf"], res["product_ok"]) < 0.06


def test_base_model_on_the_fourth_held_out_set():
    res = evaluate(load(HOLDOUT_SET, split_name="holdout"))
    assert res["product_accuracy"] >= 0.88 and res["urgency_accuracy"] >= 0.88


def test_a_new_organisations_ticket_in_its_own_words():
    # no labels, vocabulary unlike any product name: the symptom decides
    d = cls.triage("Kassensystem: Belege mit Kartennummer werden beim Mailen angehalten",
                   "Since this morning our tills in Graz cannot email receipts to customers when the card number is "
                   "printed on them — the mail comes back 'held: sensitive content'. 14 stores affected, customers "
                   "wait at the counter.")
    assert d.product == "DLP" and d.urgency in {"high", "critical"}
    assert d.product_probabilities["DLP"] > 0.5


def test_without_the_base_model_the_rules_still_answer():
    d = cls.triage("VPN replacement app not reachable", "Our private HR app behind the connector times out for "
                   "everyone since the connector upgrade.", base=False)
    assert d.product == "ZTNA"
