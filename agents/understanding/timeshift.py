"""Moving a thread's window: "the week before", "the month before" (follow-ups), and the default when there is
no window to move."""

from __future__ import annotations

import datetime as dt

from agents.plan import Window


def _win(start: dt.date, end: dt.date, label: str, *, single: bool = False) -> Window:
    return Window(start=min(start, end), end=max(start, end), label=label.strip(), single_day=single)


def shift_back(window: Window, unit: str) -> Window:
    """"The week before" a thread's window: the same span one unit earlier."""
    span = (window.end - window.start) + dt.timedelta(days=1)
    if unit == "month" and window.start.day == 1:  # a calendar month: the calendar month before
        end = window.start - dt.timedelta(days=1)
        return window.model_copy(update={"start": end.replace(day=1), "end": end,
                                         "label": f"the month before {window.label}"})
    if unit == "week" and window.start.weekday() == 0 and span.days <= 8:  # "since Monday", "this week": the calendar
        start = window.start - dt.timedelta(days=7)                     # week before it, Monday to Sunday
        return window.model_copy(update={"start": start, "end": window.start - dt.timedelta(days=1),
                                         "label": f"the week before {window.label}"})
    if unit == "week" and span.days == 1:  # after "yesterday": the 7 days before that day, not one weekday
        return window.model_copy(update={"start": window.start - dt.timedelta(days=7),
                                         "end": window.start - dt.timedelta(days=1), "single_day": False,
                                         "grain": "day", "label": f"the 7 days before {window.start}"})
    step = {"day": dt.timedelta(days=1), "week": dt.timedelta(days=7)}.get(unit, span)
    if unit == "month" and span.days < 28:
        step = dt.timedelta(days=30)
    if unit == "week" and span.days > 7:
        step = span
    return window.model_copy(update={"start": window.start - step, "end": window.end - step,
                                     "label": f"the {unit} before {window.label}"})


def default_shift(unit: str, today: dt.date) -> Window:
    """"The week before" with no thread window: the week before last week."""
    monday = today - dt.timedelta(days=today.weekday())
    if unit == "day":
        d = today - dt.timedelta(days=2)
        return _win(d, d, "the day before yesterday", single=True)
    if unit == "month":
        prev_end = today.replace(day=1) - dt.timedelta(days=1)
        pp_end = prev_end.replace(day=1) - dt.timedelta(days=1)
        return _win(pp_end.replace(day=1), pp_end, "the month before last")
    start = monday - dt.timedelta(days=14)
    return _win(start, start + dt.timedelta(days=6), "the week before last")
