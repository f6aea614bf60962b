"""Scheduled questions (placeholder, filled in below)."""

from __future__ import annotations

import procrastinate


def register(app: procrastinate.App) -> None:
    return None
