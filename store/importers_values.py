"""Reading the values of other tools' exports, one rule each, shared by every import path (files and the API).

Each reader accepts what can be read one way only and otherwise raises ``ValueError`` with what to write
instead — nothing is guessed: spreadsheet numbers (``87.5%``, ``1,234``, ``1 234``, ``="42"``), periods
(``2026-03``, ``Mar 2026``, ``2026-W14``), direction words (``higher is better``, ``down is good``), goals
(``≥ 95%``), HTML bodies (turned into inert plain text), objects standing for a name
(``{"name": "payments"}``) and field names in other spellings (``startedAt``, ``Created On``).
Times are read in :mod:`store.importers_times` and HTML bodies in :mod:`store.importers_html` (both
re-exported here). This module imports only those.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

# the readers of the sibling modules, re-exported: one import path for every value reader
from store.importers_html import html_to_text as html_to_text
from store.importers_html import looks_like_html as looks_like_html
from store.importers_times import current_file_zone as current_file_zone
from store.importers_times import epoch_guard as epoch_guard
from store.importers_times import file_zone as file_zone
from store.importers_times import times_in_zone as times_in_zone

# --- field names -----------------------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def field_key(name: object) -> str:
    """``startedAt`` / ``Started At`` / ``started-at`` → ``started_at`` (how field names are compared)."""
    text = _CAMEL.sub("_", str(name).strip())
    return re.sub(r"[\s\-.]+", "_", text).lower().strip("_")


_NAME_KEYS = ("name", "display_name", "display_value", "summary", "title", "login", "username", "email",
              "plain_body", "body", "html_body", "text")  # the last: a comment object where a ticket's text is due
_SHA_KEYS = ("sha", "id", "hash")  # a commit object (``{"sha": "9f1c2e7a", "message": …}``) stands for its sha


def name_of(value: dict[str, Any], field: str) -> str:
    """The name an object stands for where a name is expected (``"service": {"name": "payments", "id": 7}``), or
    the sha a commit object stands for (``commits``, ``*_sha``)."""
    keys = {field_key(k): v for k, v in value.items()}
    for key in (_SHA_KEYS if field == "commits" or field.endswith("sha") else _NAME_KEYS):
        found = keys.get(key)
        if isinstance(found, str | int | float) and not isinstance(found, bool) and str(found).strip():
            return str(found)
    raise ValueError(f"{field}: expected text, got an object without a name "
                     f"(keys: {', '.join(map(str, list(value)[:6]))}); give the {field} itself")


# --- numbers ---------------------------------------------------------------------------------------------------

_GROUP_SPACE = re.compile(r"^([+-]?\d{1,3})((?:[ \u00a0\u202f']\d{3})+)((?:[.,]\d+)?)$")
_GROUP_COMMA = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
_GROUP_DOT_DECIMAL_COMMA = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+,\d+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_EXCEL_TEXT = re.compile(r'^="(.*)"$')


def excel_text(cell: str) -> str:
    """A cell as Excel writes text it must not turn into a number (``="0042"``) → ``0042``; trimmed."""
    text = cell.strip()
    m = _EXCEL_TEXT.match(text)
    return m.group(1).strip() if m else text


def number(cell: str, *, decimal_comma: bool) -> tuple[float, bool]:
    """``(value, is_percent)`` of a spreadsheet cell: ``87.5%`` → ``(87.5, True)``; thousands separated by a space,
    a no-break space or ``'`` (``1 234``) anywhere, by ``,`` where the decimal mark is ``.`` (``1,234.5``), by
    ``.`` where it is ``,`` (``1.234,5``); Excel's ``="42"`` and ``'42``. ``decimal_comma`` says whether the file
    writes decimals with a comma (cells split by ``;`` or tabs) — a comma is then never a thousands separator."""
    text = excel_text(cell).removeprefix("'").strip()  # '42: a number kept as text
    percent = text.endswith("%")
    text = text.removesuffix("%").strip()
    g = _GROUP_SPACE.match(text)
    if g:
        text = g.group(1) + re.sub(r"\D", "", g.group(2)) + g.group(3)
    if "," in text:
        if decimal_comma and _GROUP_DOT_DECIMAL_COMMA.match(text):
            text = text.replace(".", "").replace(",", ".")
        elif decimal_comma and _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        elif not decimal_comma and _GROUP_COMMA.match(text):
            text = text.replace(",", "")
        elif not decimal_comma:
            raise ValueError(f"{cell.strip()!r} is not a number: in a comma-separated file a comma separates "
                             "thousands (1,234.5); write decimals with a point (0.75)")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{cell.strip()!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{cell.strip()!r} is not a number")
    return value, percent


PERCENT_UNITS = frozenset({"%", "pct", "percent", "percentage", "per cent", "prozent", "pourcentage"})


def same_unit(a: str, b: str) -> bool:
    """Whether two unit spellings are the same unit (``%`` = ``pct`` = ``percent``; otherwise as written)."""
    x, y = (u.strip().strip("()[]").strip().lower() for u in (a, b))
    return x == y or (x in PERCENT_UNITS and y in PERCENT_UNITS)


# --- periods ---------------------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DOTTED_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH_WORD = re.compile(r"^([^\W\d_]{3,})\.?[\s\-/]+(\d{4})$|^(\d{4})[\s\-/]+([^\W\d_]{3,})\.?$")
_MONTH_WORD_SHORT_YEAR = re.compile(r"^[^\W\d_]{3,}\.?[\s\-/']+\d{2}$")
_SLASHED = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}$")

PERIOD_HINT = "write YYYY-MM-DD (or DD.MM.YYYY), a month as 2026-03 or Mar 2026, a week as 2026-W14"


@functools.lru_cache(maxsize=4096)
def period(cell: str) -> tuple[dt.date, str]:
    """``(first day, "day" | "week" | "month")`` of a period cell. Days: ``2026-03-14`` (a time after it is
    ignored: the day is the one written), ``2026/03/14``, day-first ``14.03.2026``; months: ``2026-03``,
    ``Mar 2026``, ``März 2026`` (month names in the languages dateparser knows); ISO weeks: ``2026-W14``
    (its Monday). Slashed day/month dates (``03/04/2026``) and ``Mar-26`` are ambiguous and rejected."""
    text = cell.strip()
    try:
        if m := _ISO_DAY.match(text) or _YMD_SLASH.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "day"
        if m := _DOTTED_DAY.match(text):
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))), "day"
        if m := _MONTH.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), 1), "month"
        if m := _WEEK.match(text):
            return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1), "week"
    except ValueError:
        raise ValueError(f"{text!r} is not a date; {PERIOD_HINT}") from None
    if _SLASHED.match(text):
        raise ValueError(f"{text!r} could be day/month or month/day; {PERIOD_HINT}")
    if _MONTH_WORD_SHORT_YEAR.match(text):
        raise ValueError(f"{text!r} could be a day of the month or a two-digit year; {PERIOD_HINT}")
    if m := _MONTH_WORD.match(text):
        word, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        month = _month_number(word)
        if month:
            return dt.date(int(year), month, 1), "month"
    raise ValueError(f"{text!r} is not a date; {PERIOD_HINT}")


@functools.lru_cache(maxsize=256)
def _month_number(word: str) -> int | None:
    import dateparser  # month names in many languages; loaded only when a file writes months as words

    found = dateparser.parse(f"{word} 2000", settings={"REQUIRE_PARTS": ["month", "year"],
                                                        "PREFER_DAY_OF_MONTH": "first"})
    return found.month if found is not None and found.year == 2000 else None


TOTAL_WORDS = frozenset({
    "total", "totals", "grand total", "sum", "subtotal", "sub total", "average", "avg", "mean", "overall", "ytd",
    "all", "gesamt", "summe", "durchschnitt", "totaal", "totale", "somme", "moyenne",
})


def is_total(cell: str) -> bool:
    """A spreadsheet's totals/average row label (``Total``, ``Grand total:``, ``Average`` …)."""
    return cell.strip().rstrip(":").strip().lower() in TOTAL_WORDS


# --- KPI definitions -------------------------------------------------------------------------------------------

_UP = {"higher", "high", "up", "more", "increase", "increasing", "bigger", "larger", "greater", "maximise",
       "maximize", "max", "rising", "upward", "upwards", "ascending"}
_DOWN = {"lower", "low", "down", "less", "fewer", "decrease", "decreasing", "smaller", "minimise", "minimize",
         "min", "falling", "downward", "downwards", "descending"}
_BAD = {"bad", "worse", "worst"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
DIRECTION_HINT = "write true/false, 'higher is better' or 'lower is better'"


def higher_is_better(value: object) -> bool:
    """``True`` for ``higher is better``, ``up is good``, ``↑``, ``yes``…; ``False`` for ``lower is better``,
    ``down is good``, ``higher is worse``, ``↓``, ``no``…; anything else (or both directions) is rejected."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in ("↑", "▲", "+"):
        return True
    if text in _FALSE or text in ("↓", "▼", "-"):
        return False
    words = set(re.findall(r"[a-z]+", text))
    up, down, bad = bool(words & _UP), bool(words & _DOWN), bool(words & _BAD)
    if up == down:
        raise ValueError(f"{value!r} does not say which direction is better; {DIRECTION_HINT}")
    return up != bad


_GOAL = re.compile(r"^(≥|>=|=>|>|≤|<=|=<|<|=|at least|at most|min(?:imum)?\.?|max(?:imum)?\.?)?\s*(.+?)$",
                   re.IGNORECASE)
_AT_LEAST = {"≥", ">=", "=>", ">", "at least", "min", "min.", "minimum"}
_AT_MOST = {"≤", "<=", "=<", "<", "at most", "max", "max.", "maximum"}


def goal(value: object) -> tuple[float, bool | None, bool]:
    """``(number, direction, is_percent)`` of a goal: ``≥ 95%`` → ``(95.0, True, True)`` (at least: higher is
    better), ``<= 2`` → ``(2.0, False, False)``, ``99.5`` → ``(99.5, None, False)``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), None, False
    m = _GOAL.match(str(value).strip())
    if not m:
        raise ValueError(f"goal {value!r} is not a number")
    word = (m.group(1) or "").lower()
    try:
        n, percent = number(m.group(2), decimal_comma=False)
    except ValueError:
        try:
            n, percent = number(m.group(2), decimal_comma=True)
        except ValueError:
            raise ValueError(f"goal {value!r} is not a number (e.g. 95, '≥ 95%', '<= 2')") from None
    return n, (True if word in _AT_LEAST else False if word in _AT_MOST else None), percent


# --- deployment statuses --------------------------------------------------------------------------------------

DEPLOYMENT_STATUS_WORDS = {
    "success": "succeeded", "successful": "succeeded", "succeeded": "succeeded", "healthy": "succeeded",
    "synced": "succeeded", "deployed": "succeeded", "done": "succeeded", "ok": "succeeded", "passed": "succeeded",
    "finished": "succeeded",
    "failure": "failed", "failed": "failed", "error": "failed", "errored": "failed", "degraded": "failed",
    "crashed": "failed", "timed out": "failed", "timeout": "failed",
    "rolled back": "rolled_back", "rolledback": "rolled_back", "rollback": "rolled_back", "reverted": "rolled_back",
    "in progress": "in_progress", "running": "in_progress", "progressing": "in_progress", "pending": "in_progress",
    "queued": "in_progress", "started": "in_progress", "deploying": "in_progress", "syncing": "in_progress",
}
_OUTCOME = "give succeeded, failed, rolled_back or in_progress"
DEPLOYMENT_UNSAID = {
    "completed": f"does not say whether the deployment succeeded; {_OUTCOME} (a 'conclusion' field is read first)",
    "complete": f"does not say whether the deployment succeeded; {_OUTCOME} (a 'conclusion' field is read first)",
    "cancelled": f"does not say whether anything was deployed; leave the deployment out, or {_OUTCOME}",
    "canceled": f"does not say whether anything was deployed; leave the deployment out, or {_OUTCOME}",
    "aborted": f"does not say whether anything was deployed; leave the deployment out, or {_OUTCOME}",
    "skipped": f"means nothing was deployed; leave the deployment out, or {_OUTCOME}",
}
