"""Prompt templates (Jinja2 files in this folder), rendered at call time.

Text that comes from data — tickets, runbooks, commit messages, Slack
messages, tool results — goes through the ``data`` filter, which fences it as
quoted data so the model is told, every time, that it is not instructions.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).parent


def _data(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    # Neutralise anything that could close the fence early.
    text = text.replace("<<<", "‹‹‹").replace(">>>", "›››")
    return f"<<<DATA\n{text}\nDATA>>>"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE), undefined=StrictUndefined, autoescape=False,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["data"] = _data
    return env


def render(template: str, **variables: Any) -> str:
    """Render ``prompts/<template>.j2``."""
    return _env().get_template(f"{template}.j2").render(**variables).strip()
