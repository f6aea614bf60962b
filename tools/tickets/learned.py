"""Learned ticket triage (pure): a per-organisation scikit-learn model trained on its labelled tickets.

Word (1-2-gram) and character (2-5-gram) TF-IDF features into a multinomial
logistic regression, one model for the product and one for the urgency. The
model is only ever COMBINED with the zero-shot prior
(:func:`tools.tickets.classify.triage`): its weight grows with the number of
labels (``n / (n + N0)``), so a handful of labels nudges the domain prior and
hundreds of labels dominate it.

Serialised with :mod:`pickle` for the organisation's own row in
``triage_models`` (written and read only by this service; see
:mod:`store.triage_models`). A model pickled by another scikit-learn version
is not loaded: it is retrained.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scikit-learn (and scipy under it) is imported when a model is trained or loaded, not before
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

PRODUCT_N0 = 40.0  # labels at which the learned model and the zero-shot prior weigh the same
URGENCY_N0 = 120.0  # urgency is read from impact first: the org's labels need more weight of numbers
MAX_WEIGHT = 0.85
MIN_LABELS = 4  # fewer labelled tickets (or a single class) train no model for that head
MODEL_VERSION = 2
MAX_FEATURES = 30_000
URGENCY_MAX_WEIGHT = 0.5  # urgency is read from the impact a ticket describes; an org's history only refines it
CV_FOLDS = 3
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
TEMPERATURES = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1.0, 1.3)


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _features() -> FeatureUnion:
    """Fitted once per training on all labelled texts and shared by both heads and the calibration folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=MAX_FEATURES)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                                  max_features=MAX_FEATURES)),
    ])


def _classifier() -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    # "sag" converges in a fraction of lbfgs's time on L2-normalised TF-IDF rows
    return LogisticRegression(C=8.0, solver="sag", max_iter=300, tol=1e-3, class_weight="balanced", random_state=0)


@dataclass
class Head:
    features: FeatureUnion
    clf: LogisticRegression
    classes: list[str]
    n: int
    temperature: float = 1.0  # fitted on cross-validated predictions of the org's own labels
    weight: float | None = None  # against the zero-shot prior, chosen on the same held-out folds (None: by numbers)

    def proba(self, texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        """Probabilities over ``labels`` (0 for a label the organisation never used)."""
        p = temper(self.clf.predict_proba(self.features.transform(list(texts))), self.temperature)
        out = np.zeros((len(texts), len(labels)))
        for j, c in enumerate(self.clf.classes_):
            if c in labels:
                out[:, labels.index(c)] = p[:, j]
        return out


@dataclass
class TriageModel:
    product: Head | None
    urgency: Head | None
    n_labels: int
    fingerprint: str = ""
    sklearn_version: str = field(default_factory=_sklearn_version)
    version: int = MODEL_VERSION

    def weight(self, head: str) -> float:
        h = self.product if head == "product" else self.urgency
        if h is None:
            return 0.0
        cap = URGENCY_MAX_WEIGHT if head == "urgency" else 1.0
        if h.weight is not None:
            return min(cap, h.weight)
        n0 = PRODUCT_N0 if head == "product" else URGENCY_N0
        return min(MAX_WEIGHT, cap, h.n / (h.n + n0))


def text_of(subject: str, content: str) -> str:
    return f"{subject}\n{subject}\n{content}"  # the subject twice: it is the densest summary


def temper(p: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of probabilities sharpened (T < 1) or flattened (T > 1) by a temperature."""
    z = np.log(np.clip(p, 1e-12, 1.0)) / max(temperature, 1e-6)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(p: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of cross-validated probabilities."""
    best_t, best_nll = 1.0, np.inf
    for t in TEMPERATURES:
        q = temper(p, t)[np.arange(len(y)), y]
        nll = -float(np.mean(np.log(np.clip(q, 1e-12, 1.0))))
        if nll < best_nll:
            best_t, best_nll = t, nll
    return best_t


def _head(features: FeatureUnion, matrix: Any, labels: list[str | None], all_labels: Sequence[str],
          prior: np.ndarray | None) -> Head | None:
    keep = [i for i, y in enumerate(labels) if y in all_labels]
    if len(keep) < MIN_LABELS or len({labels[i] for i in keep}) < 2:
        return None
    x, y = matrix[keep], [str(labels[i]) for i in keep]
    clf = _classifier().fit(x, y)
    head = Head(features=features, clf=clf, classes=[str(c) for c in clf.classes_], n=len(keep))
    folds = min(CV_FOLDS, min(Counter(y).values()))
    if folds < 2:  # too few labels per class to check anything: the weight of numbers
        head.weight = None
        return head
    # Calibrate on held-out folds of the org's own labels, then choose how much to trust the model
    # against the zero-shot prior by the likelihood of the mixture on those same held-out folds.
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    p = cross_val_predict(_classifier(), x, y, cv=cv, method="predict_proba")
    seen = sorted(set(y))
    head.temperature = fit_temperature(p, np.array([seen.index(v) for v in y]))
    p = temper(p, head.temperature)
    if prior is not None:
        full = np.zeros((len(keep), len(all_labels)))
        for j, c in enumerate(seen):
            full[:, list(all_labels).index(c)] = p[:, j]
        truth = np.array([list(all_labels).index(v) for v in y])
        pr = prior[keep]
        best_w, best_nll = 0.0, np.inf
        for w in WEIGHTS:
            q = ((1 - w) * pr + w * full)[np.arange(len(y)), truth]
            nll = -float(np.mean(np.log(np.clip(q, 1e-6, 1.0))))
            if nll < best_nll - 1e-9:
                best_w, best_nll = w, nll
        head.weight = best_w
    return head


def train(
    rows: Iterable[tuple[str, str, str | None, str | None]],
    fingerprint: str = "",
    priors: dict[str, np.ndarray] | None = None,
) -> TriageModel:
    """Train on (clean subject, clean content, product or None, urgency or None) rows.

    ``priors`` ({"product": n x 7, "urgency": n x 4}, rows aligned) are the zero-shot probabilities of the same
    tickets: with them, each head's weight against the prior is chosen on cross-validated predictions.
    """
    from tools.tickets.urgency import URGENCIES
    from tools.tickets.zeroshot import PRODUCTS

    rows = list(rows)
    texts = [text_of(s, c) for s, c, _, _ in rows]
    priors = priors or {}
    product = [p for _, _, p, _ in rows]
    urgency = [u for _, _, _, u in rows]
    features, matrix = _features(), None
    if sum(1 for v in product + urgency if v) >= MIN_LABELS:
        try:
            matrix = features.fit_transform(texts)
        except ValueError:  # e.g. no usable term at all
            matrix = None
    return TriageModel(
        product=None if matrix is None else _head(features, matrix, product, PRODUCTS, priors.get("product")),
        urgency=None if matrix is None else _head(features, matrix, urgency, URGENCIES, priors.get("urgency")),
        n_labels=sum(1 for r in rows if r[2] or r[3]),
        fingerprint=fingerprint,
    )


def dumps(model: TriageModel) -> bytes:
    buf = io.BytesIO()
    pickle.dump(model, buf, protocol=pickle.HIGHEST_PROTOCOL)
    return buf.getvalue()


def loads(blob: bytes) -> TriageModel | None:
    """The stored model, or None when it was written by another scikit-learn or model version."""
    try:
        model = pickle.loads(blob)
    except Exception:  # noqa: BLE001 - an unreadable model is retrained, never fatal
        return None
    if not isinstance(model, TriageModel) or model.sklearn_version != _sklearn_version() or model.version != MODEL_VERSION:
        return None
    return model


def fingerprint(rows: Iterable[tuple[str, str, str | None, str | None]]) -> str:
    """A digest of the labelled set (texts and labels), for tests and offline use."""
    h = hashlib.sha256()
    for s, c, p, u in rows:
        h.update(f"{s}\x1f{c}\x1f{p}\x1f{u}\x1e".encode())
    return h.hexdigest()[:32]
