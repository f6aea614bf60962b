"""Fixtures of the queue tests: a private copy of the demo database per module, keys of two organisations
(the demo's and one created here, with names unlike the demo's), and the processes a test starts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from store.db import DatabaseTarget, make_sync_engine
from store.keys import create_key
from tests.conftest import Demo, PgServer, demo_database
from tests.queue.procs import Procs


@pytest.fixture(scope="module")
def qdemo(pg_server: PgServer, demo_template: DatabaseTarget) -> Iterator[Demo]:
    with demo_database(pg_server, demo_template, "opsgraph_queue") as d:
        yield d


@dataclass
class QKeys:
    member: str
    member_id: int
    admin: str
    other_member: str  # of the second organisation
    other_org_id: int

    def h(self, who: str = "member") -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, who)}"}


@pytest.fixture(scope="module")
def qkeys(qdemo: Demo) -> QKeys:
    engine = make_sync_engine(qdemo.target)
    with Session(engine) as s, s.begin():
        member, _ = create_key(s, org_slug="demo", role="member", name="queue-member")
        admin, _ = create_key(s, org_slug="demo", role="admin", name="queue-admin")
        other, _ = create_key(s, org_slug="harbour-freight", role="member", name="queue-other")
    engine.dispose()
    return QKeys(member=member.key, member_id=member.info.id, admin=admin.key, other_member=other.key,
                 other_org_id=other.info.org_id)


@pytest.fixture
def procs(qdemo: Demo, tmp_path) -> Iterator[Procs]:
    p = Procs(qdemo, tmp_path)
    yield p
    p.close()
