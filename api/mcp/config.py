"""MCP knobs beyond :class:`store.settings.Settings` (read once via pydantic-settings, like the Slack options).

``OPSGRAPH_API_KEY`` is the key ``opsgraph mcp`` acts as (SPEC §2); ``OPSGRAPH_PUBLIC_URL`` is where people open
the panel (the base of the run and evidence links in results).
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from store.settings import EnvSettings

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


class McpOptions(EnvSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    api_key: SecretStr | None = Field(default=None, validation_alias="OPSGRAPH_API_KEY")
    public_url: str = Field(default=DEFAULT_PUBLIC_URL, validation_alias="OPSGRAPH_PUBLIC_URL")

    @field_validator("public_url", mode="after")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.rstrip("/")
