"""Slack-specific knobs beyond the SPEC's three variables (read once, at mount time, via pydantic-settings).

The credentials and the alert channel come from :class:`store.settings.Settings` (``SLACK_SIGNING_SECRET``,
``SLACK_BOT_TOKEN``, ``OPSGRAPH_SLACK_ALERT_CHANNEL``); these options only say where the panel is, where Slack's
Web API is and how often the alert scheduler looks. Tests hand an instance to ``create_app(slack=…)`` instead.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from store.settings import EnvSettings

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_API_URL = "https://slack.com/api/"


class SlackOptions(EnvSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    # Where people open the chat panel: the base of every run/evidence link posted to Slack.
    public_url: str = Field(default=DEFAULT_PUBLIC_URL, validation_alias="OPSGRAPH_PUBLIC_URL")
    # Slack's Web API (slack_sdk's AsyncWebClient ``base_url``): a proxy, or a local fake in tests.
    api_url: str = Field(default=DEFAULT_API_URL, validation_alias="OPSGRAPH_SLACK_API_URL")
    # Seconds between two alert checks (SLA alerts, critical KPI signals); 0 disables the scheduler.
    alert_interval_seconds: float = Field(default=60.0, ge=0, validation_alias="OPSGRAPH_SLACK_ALERT_INTERVAL")
    # Slack allows 5 uses of a response_url within 30 minutes; after that, answers go through chat.postMessage.
    response_url_max_uses: int = Field(default=5, ge=0)
    response_url_max_age_seconds: float = Field(default=30 * 60, ge=0)
    # Slack-started runs executing at once in this process (more wait their turn; each was acknowledged already).
    max_concurrent_runs: int = Field(default=8, ge=1)
    # How long shutdown waits for answers still being posted before cancelling them.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    # At most this many items are listed in one alert message (the rest are counted, with a panel link).
    alert_items_per_message: int = Field(default=20, ge=1, le=40)

    @field_validator("public_url", mode="after")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.rstrip("/")

    @field_validator("api_url", mode="after")
    @classmethod
    def _slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"
