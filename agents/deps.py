"""What a graph node needs at run time, handed over in ``config["configurable"]["deps"]``
(never in the state: it is not serialisable and must not be checkpointed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig

from agents.understanding.catalog import Catalog
from agents.runtime import RunRecorder
from tools.base import ToolContext

if TYPE_CHECKING:
    from agents.providers.base import Provider


@dataclass
class RunDeps:
    recorder: RunRecorder
    tools: ToolContext
    catalog: Catalog
    provider: Provider

    @property
    def now(self) -> dt.datetime:
        return self.tools.now


def deps_of(config: RunnableConfig) -> RunDeps:
    deps: Any = (config.get("configurable") or {}).get("deps")
    if not isinstance(deps, RunDeps):
        raise RuntimeError("graph invoked without run dependencies (configurable.deps)")
    return deps
