"""The specialists. Each is ``async def run(state, deps) -> state update`` and records one step.

Nothing is imported here: :mod:`agents.registry` lists the specialist modules and imports each one (with its
tools) the first time a plan routes a question to it.
"""
