"""USD per million tokens (input, output) for cost accounting; unknown models cost 0 and say so in the run."""

from __future__ import annotations

PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    key = max((k for k in PRICES if model.startswith(k)), key=len, default=None)
    if key is None:
        return 0.0
    inp, out = PRICES[key]
    return (prompt_tokens * inp + completion_tokens * out) / 1_000_000
