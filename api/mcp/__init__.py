"""opsgraph as an MCP server: ``opsgraph mcp`` (stdio) and ``/mcp`` (streamable HTTP).

Modules: :mod:`.server` (the server definition), :mod:`.tools` and :mod:`.resources` (what it offers),
:mod:`.runtime` (caller, database, limits, evidence), :mod:`.http` (the ``/mcp`` endpoint and its bearer-key
auth), :mod:`.stdio` (the command). Nothing heavy is imported here.
"""

from api.mcp.http import McpEndpoint, mount_mcp

__all__ = ["McpEndpoint", "mount_mcp"]
