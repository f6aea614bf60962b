"""Why an import file is refused: ``line N: reason`` for every problem found, and nothing written while any remains."""

from __future__ import annotations

from pathlib import Path

MAX_ERRORS_SHOWN = 50


class MoreRows(str):
    """A reason standing for ``rows`` further rows with one problem (:func:`csv_errors` lists a few of each)."""

    rows: int = 1

    def __new__(cls, text: str, rows: int) -> MoreRows:
        out = super().__new__(cls, text)
        out.rows = rows
        return out


class ImportRejected(Exception):
    """The file was rejected; nothing was written. ``errors`` are ``(line, reason)``."""

    def __init__(self, kind: str, path: Path, errors: list[tuple[int, str]]) -> None:
        self.kind, self.path, self.errors = kind, path, errors
        shown = "\n".join(f"  line {line}: {reason}" for line, reason in errors[:MAX_ERRORS_SHOWN])
        more = f"\n  … and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        bad = sum(r.rows if isinstance(r, MoreRows) else 1 for _, r in errors)  # every bad row, not those listed
        super().__init__(f"{path}: {bad} bad row(s), nothing was imported:\n{shown}{more}")
