"""Evaluation settings, read once from the environment (pydantic-settings), like :mod:`store.settings`.

| variable | meaning | default |
| --- | --- | --- |
| `OPSGRAPH_EVAL_JUDGE_MODEL` | chat model for the LLM judge; unset = no judge | — |
| `OPSGRAPH_EVAL_JUDGE_BASE_URL` | its OpenAI-compatible endpoint | `OPENAI_BASE_URL` |
| `OPSGRAPH_EVAL_JUDGE_API_KEY` | its key | `OPENAI_API_KEY` |
| `OPSGRAPH_EVAL_JUDGE_THRESHOLD` | judge score (0–100) needed to pass | 70 |
| `OPSGRAPH_EVAL_TIMEOUT_S` | per-case timeout | 60 |
| `OPSGRAPH_EVAL_MAX_LATENCY_MS` / `_MAX_TOKENS` / `_MAX_COST_USD` | default budgets per case | 20000 / 30000 / 0.05 |
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from evals.scorers import Limits
from store.settings import EnvSettings


class EvalSettings(EnvSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    judge_model: str | None = Field(default=None, validation_alias="OPSGRAPH_EVAL_JUDGE_MODEL")
    judge_base_url: str | None = Field(default=None, validation_alias="OPSGRAPH_EVAL_JUDGE_BASE_URL")
    judge_api_key: SecretStr | None = Field(default=None, validation_alias="OPSGRAPH_EVAL_JUDGE_API_KEY")
    judge_threshold: float = Field(default=70.0, ge=0, le=100, validation_alias="OPSGRAPH_EVAL_JUDGE_THRESHOLD")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    timeout_s: float = Field(default=60.0, gt=0, validation_alias="OPSGRAPH_EVAL_TIMEOUT_S")
    max_latency_ms: float = Field(default=20_000.0, gt=0, validation_alias="OPSGRAPH_EVAL_MAX_LATENCY_MS")
    max_tokens: int = Field(default=30_000, gt=0, validation_alias="OPSGRAPH_EVAL_MAX_TOKENS")
    max_cost_usd: float = Field(default=0.05, ge=0, validation_alias="OPSGRAPH_EVAL_MAX_COST_USD")

    def limits(self) -> Limits:
        return Limits(latency_ms=self.max_latency_ms, tokens=self.max_tokens, cost_usd=self.max_cost_usd)

    def judge_config(self, model: str | None = None) -> JudgeConfig | None:
        """The judge to use, or None when no judge model is configured."""
        name = model or self.judge_model
        if not name:
            return None
        key = self.judge_api_key or self.openai_api_key
        return JudgeConfig(model=name, base_url=self.judge_base_url or self.openai_base_url,
                           api_key=key.get_secret_value() if key else "not-needed", threshold=self.judge_threshold)


class JudgeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    base_url: str | None = None
    api_key: str = "not-needed"
    threshold: float = 70.0
    timeout_s: float = 60.0
