"""The per-organisation learned model: learns an org's own vocabulary, weighs itself against the prior, persists."""

from __future__ import annotations

import itertools

import numpy as np

from evals.triage.score import evaluate, load, split
from tools.tickets import classify as cls
from tools.tickets import learned

# An organisation whose tickets name its products by in-house names the domain prior cannot know.
NAMES = {"ZTNA": ["Harbor", "the Harbor app"], "DLP": ["Lantern", "a Lantern hold"], "CFW": ["Moat", "the Moat"]}
PROBLEMS = ["keeps failing after the update", "shows error 4711 on my laptop", "stopped for the Oslo team",
            "asks me to pair again every morning", "is greyed out in the tray", "flags everything today"]


def jargon_rows() -> list[tuple[str, str, str | None, str | None, str | None, str | None]]:
    rows = []
    for (product, names), problem in itertools.product(NAMES.items(), PROBLEMS):
        for name in names:
            rows.append((f"{name} {problem}", f"Hi, {name} {problem}. Regards, Kim", product, "medium", None, None))
    return rows


def test_a_handful_of_labels_teaches_the_orgs_own_vocabulary():
    subject, content = "Harbor pairing trouble", "Harbor wants to pair again and then shows error 4711."
    before = cls.triage(subject, content)
    assert before.product != "ZTNA" or before.product_confidence < 0.5  # nothing in the text names a product

    model = cls.train_model(jargon_rows())
    after = cls.triage(subject, content, model=model)
    assert after.product == "ZTNA" and not after.needs_human
    assert after.learned_weight["product"] > 0.3 and after.method == "learned+zero-shot"
    assert "36 labelled tickets" in cls.reasoning(after)
    assert cls.triage("A Lantern hold on my mail", "Lantern blocked my message to the auditor.", model=model).product == "DLP"


def test_the_model_does_not_override_the_prior_where_it_has_not_learned_anything():
    model = cls.train_model(jargon_rows())
    # the org never labelled a web-gateway ticket; the domain prior still recognises one
    d = cls.triage("URL category wrong", "The secure web gateway blocks our supplier's website as gambling.", model=model)
    assert d.product == "SWG"


def test_learned_model_on_the_devset_keeps_accuracy():
    rows = load()
    tune = split(rows, "tune")
    model = cls.train_model([(r["subject"], r["content"], r["product"], r["urgency"], r.get("priority"), r.get("tier"))
                             for r in tune], base=False)  # the base model was trained on the whole dev set
    res = evaluate(split(rows, "report"), model, base=False)
    print(f"\nlearned on {len(tune)} dev tickets, report split: product {res['product_accuracy']:.3f}, "
          f"urgency {res['urgency_accuracy']:.3f}, weights {model.weight('product'):.2f}/{model.weight('urgency'):.2f}")
    assert res["product_accuracy"] >= 0.90 and res["urgency_accuracy"] >= 0.80


def test_few_labels_or_one_class_train_no_head():
    m = cls.train_model(jargon_rows()[:2])
    assert m.product is None and m.urgency is None and m.weight("product") == 0
    one_class = cls.train_model(jargon_rows())  # every urgency label is "medium"
    assert one_class.urgency is None and one_class.product is not None


def test_model_round_trips_and_refuses_foreign_blobs():
    model = cls.train_model(jargon_rows())
    again = learned.loads(learned.dumps(model))
    assert again is not None
    t = learned.text_of("Moat", "the Moat flags everything today")
    assert np.allclose(again.product.proba([t], list(cls.PRODUCTS)), model.product.proba([t], list(cls.PRODUCTS)))
    assert learned.loads(b"not a model") is None
    model.sklearn_version = "0.0.1"
    assert learned.loads(learned.dumps(model)) is None  # another scikit-learn: retrain rather than unpickle


def test_fingerprint_changes_with_any_label():
    rows = [(s, c, p, u) for s, c, p, u, _, _ in jargon_rows()]
    changed = list(rows)
    changed[0] = (*changed[0][:2], "SWG", changed[0][3])
    assert learned.fingerprint(rows) == learned.fingerprint(list(rows))
    assert learned.fingerprint(rows) != learned.fingerprint(changed)
