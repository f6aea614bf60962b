"""What a deployment's recorded status says about whether it reached production in full.

Deploy tools write their outcome in many words (GitHub Actions ``failure``, Argo CD ``Degraded``, Spinnaker
``TERMINAL``, Jenkins ``ABORTED``, a change record's ``Rolled Back``); the importer folds the common ones into
``succeeded`` / ``failed`` / ``rolled_back`` / ``in_progress``, but a status written by another path (a webhook, a
database filled by hand) may be any of them. :func:`deployment_outcome` reads the words themselves:

- ``failed``: the rollout did not finish (failed, failure, error, aborted, cancelled, timed out, crashed …) — it
  never reached production fully, but it can still have done harm while it was partly out;
- ``rolled_back``: it was taken out again (rolled back, reverted, undone).

Anything else (succeeded, deployed, healthy, in progress, an unknown word) says nothing against it: None.
"""

from __future__ import annotations

import re
from typing import Literal

Outcome = Literal["failed", "rolled_back"]

_FAILED = re.compile(
    r"\b(?:fail(?:ed|ure|ing|s)?|error(?:ed|s)?|abort(?:ed)?|cancel+(?:ed|led)?|timed\s*out|time\s*out|timeout|"
    r"crash(?:ed)?|degraded|unsuccessful|broken|terminal|halted|interrupted|incomplete|partial(?:ly)?)\b")
_ROLLED_BACK = re.compile(r"\b(?:roll(?:ed)?\s*back|rollback|rolledback|revert(?:ed)?|undone|backed\s*out)\b")
_NEGATED = re.compile(r"\b(?:no|not|without|zero|0)\s+(?:errors?|failures?)\b")


def deployment_outcome(status: str | None) -> Outcome | None:
    """``"failed"``, ``"rolled_back"`` or None (it says nothing against the deployment), from the status words."""
    words = " ".join(re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", status or "").lower()
                                .replace("_", " ")))
    if not words or _NEGATED.search(words):
        return None
    if _ROLLED_BACK.search(words):
        return "rolled_back"
    if _FAILED.search(words):
        return "failed"
    return None


def outcome_phrase(status: str, out: Outcome, undone_known: bool) -> str:
    """What the answer says about a deployment that failed or was rolled back."""
    if out == "failed":
        return (f"its status says {status}: it never fully reached production (it can still have done harm while "
                "partly out)")
    if undone_known:
        return ""  # the rollback that undid it is said with its time
    return f"its status says {status} (when it was taken out again is not recorded)"
