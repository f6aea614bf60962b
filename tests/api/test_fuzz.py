"""Schemathesis against the OpenAPI document, in process (ASGI): no operation answers 5xx, whatever it is sent.

The two streaming operations (``POST /api/chat``, ``GET /api/runs/{run_id}/events``) are excluded: they are
exercised over real HTTP in ``test_streams.py``. The app gets its own lifespan (schemathesis runs it on its own
event loop) and a stand-in evaluation launcher, so ``POST /api/evals/runs`` answers 202 rather than 503.
"""

from __future__ import annotations

import time
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.python import asgi

from api.app import create_app
from tests.api.helpers import NOW

EXAMPLES = 12  # per operation


@pytest.fixture(scope="module")
def fuzz_schema(api_demo, keys):
    def launcher(request, *, org_id, api_key, state):
        return uuid.uuid4()

    app = create_app(api_demo.settings, target=api_demo.target, run_migrations=False, clock=lambda: NOW,
                     eval_launcher=launcher)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema.exclude(path="/api/chat").exclude(path_regex=r"/events$")
    asgi.shutdown_lifespans()


def test_no_operation_answers_5xx(fuzz_schema, keys):
    headers = keys.h("admin")
    failures: list[str] = []
    operations = 0
    timings: list[tuple[float, str]] = []
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300} -> "
                                f"{response.status_code} {response.text[:300]}")
            elif response.status_code >= 400:
                body = response.json()
                assert isinstance(body.get("detail"), str), (case.method, case.formatted_path, response.text)

        t0 = time.monotonic()
        check()
        timings.append((time.monotonic() - t0, f"{operation.method.upper()} {operation.path}"))
    assert operations >= 30
    assert not failures, "\n".join(failures[:20])
