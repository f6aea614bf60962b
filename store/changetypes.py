"""Classify a changed file path into a change type (used at import and push time)."""

from __future__ import annotations

import re

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "dependency",
        re.compile(
            r"(^|/)(requirements[^/]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|package(-lock)?\.json|yarn\.lock|"
            r"pnpm-lock\.yaml|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|pom\.xml|build\.gradle)$"
        ),
    ),
    ("test", re.compile(r"(^|/)(tests?|spec|__tests__)/|(_test|\.test|\.spec)\.[a-z]+$|(^|/)test_[^/]+$")),
    ("docs", re.compile(r"(^|/)docs?/|\.(md|rst|adoc|txt)$|(^|/)(README|CHANGELOG|LICENSE)[^/]*$", re.I)),
    ("db_migration", re.compile(r"(^|/)(migrations?|alembic|db/migrate|flyway|liquibase)/|\.sql$", re.I)),
    ("auth", re.compile(r"(^|/)(auth|oauth|authn|authz|security|permissions?|jwt|tokens?)[/_.]", re.I)),
    ("timeout_retry", re.compile(r"(retry|retries|backoff|timeout|circuit[_-]?breaker)", re.I)),
    ("http_client", re.compile(r"(http[_/-]?client|(^|/)clients?/|requests?_session|grpc[_-]?client)", re.I)),
    # data and assets shipped with the app (map tiles, images, translations) are not its configuration
    ("other", re.compile(r"(^|/)(assets?|static|public|media|images?|img|fonts?|locales?|i18n|l10n|translations?)/"
                         r"(?![^/]*(config|settings))", re.I)),
    ("config", re.compile(r"(^|/)(config|conf|settings|helm|k8s|deploy)/|\.(ya?ml|ini|cfg|conf|toml|env|json)$", re.I)),
    ("shared_util", re.compile(r"(^|/)(common|shared|utils?|lib|core)/", re.I)),
)


def classify_path(path: str) -> str:
    """Return one of the change types of :data:`store.models.CHANGE_TYPES` for ``path``."""
    p = path.strip().lstrip("./")
    for change_type, pattern in _RULES:
        if pattern.search(p):
            return change_type
    return "other"


SECRET_KEY = re.compile(r"(passw(or)?d|secret|token|api[_-]?key|private[_-]?key|credential|dsn)", re.I)


def is_secret_key(key: str) -> bool:
    """Config keys whose values must never be stored."""
    return bool(SECRET_KEY.search(key))
