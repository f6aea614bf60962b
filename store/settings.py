"""Service configuration, read once from the environment (SPEC §2).

Nothing else in the code base reads ``os.environ``: build a :class:`Settings`
at start-up (``Settings()``) and pass it down.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEFAULT_MODEL = "gpt-4o-mini"


class _EnvByAlias(EnvSettingsSource):
    """The environment read by each field's variable name only (``OPSGRAPH_HOME``), never by the field's own
    name: with ``populate_by_name`` pydantic-settings would also read ``HOME`` into ``home``, ``MODEL`` into
    ``model``, ``API_KEY`` into ``api_key`` — variables every shell (or another tool) sets."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.config = {**self.config, "populate_by_name": False, "validate_by_name": False}


class EnvSettings(BaseSettings):
    """Base of every settings class: constructor keywords by field name or variable name, the environment by
    variable name only (see :class:`_EnvByAlias`)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _EnvByAlias(settings_cls), dotenv_settings, file_secret_settings)


class Settings(EnvSettings):
    """All knobs of the service. Field names map to the SPEC's variables."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    home: Path = Field(
        default=Path("~/.local/share/opsgraph"), validation_alias="OPSGRAPH_HOME"
    )
    llm: Literal["auto", "offline", "openai"] = Field(default="auto", validation_alias="OPSGRAPH_LLM")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str = Field(default=DEFAULT_MODEL, validation_alias="OPSGRAPH_MODEL")
    embeddings: Literal["auto", "hash", "local", "openai"] = Field(
        default="auto", validation_alias="OPSGRAPH_EMBEDDINGS"
    )
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_alert_channel: str | None = Field(default=None, validation_alias="OPSGRAPH_SLACK_ALERT_CHANNEL")
    prometheus_url: str | None = Field(default=None, validation_alias="OPSGRAPH_PROMETHEUS_URL")

    # Operational limits (not in the SPEC table; sensible defaults).
    run_max_steps: int = Field(default=40, validation_alias="OPSGRAPH_RUN_MAX_STEPS")
    run_max_seconds: float = Field(default=120.0, validation_alias="OPSGRAPH_RUN_MAX_SECONDS")
    run_max_tokens: int = Field(default=200_000, validation_alias="OPSGRAPH_RUN_MAX_TOKENS")
    run_max_cost_usd: float = Field(default=1.0, validation_alias="OPSGRAPH_RUN_MAX_COST_USD")

    # Job queue (procrastinate): a worker whose heartbeat is older than ``worker_stalled_seconds`` is dead and
    # its jobs go back on the queue (resumed elsewhere from their checkpoint).
    worker_concurrency: int = Field(default=4, ge=1, le=64, validation_alias="OPSGRAPH_WORKER_CONCURRENCY")
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0, validation_alias="OPSGRAPH_WORKER_HEARTBEAT_SECONDS")
    worker_stalled_seconds: float = Field(default=20.0, gt=0, validation_alias="OPSGRAPH_WORKER_STALLED_SECONDS")
    worker_shutdown_seconds: float = Field(default=10.0, ge=0, validation_alias="OPSGRAPH_WORKER_SHUTDOWN_SECONDS")

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, v: Path) -> Path:
        return v.expanduser()

    @field_validator("database_url", mode="after")
    @classmethod
    def _check_url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError(
                "DATABASE_URL must be a PostgreSQL URL such as postgresql+psycopg://user:pass@host/db"
            )
        return v

    @cached_property
    def llm_provider(self) -> Literal["offline", "openai"]:
        """The provider actually used: ``auto`` means openai when a key is set."""
        if self.llm == "auto":
            return "openai" if self.openai_api_key else "offline"
        return self.llm

    @cached_property
    def embeddings_provider(self) -> Literal["hash", "local", "openai"]:
        """``auto`` is ``openai`` with a key, ``hash`` otherwise (no model download, ever)."""
        if self.embeddings == "auto":
            return "openai" if self.openai_api_key else "hash"
        return self.embeddings

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and self.slack_bot_token)
