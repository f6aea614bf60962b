"""The specialist registry reads each specialist's declarations without importing it; the module (and its
tools) is imported when a plan first routes to it."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

from agents import registry
from agents.registry import MODULES, REGISTRY, declarations
from tests.conftest import REPO


def test_declarations_read_from_source_match_the_imported_modules():
    for path in MODULES:
        module = importlib.import_module(path)
        declared = declarations(path)
        assert declared == {k: getattr(module, k) for k in registry.DECLARED}, path
        spec = REGISTRY[module.NAME]
        assert (spec.title, spec.description, spec.operations) == (module.TITLE, module.DESCRIPTION,
                                                                   tuple(module.OPERATIONS))
        assert spec.module is module


def test_building_the_registry_imports_no_specialist():
    code = ("import sys\nimport agents.registry, agents.graph\n"
            "print(sorted(m for m in sys.modules if m.startswith('agents.specialists.') or m in ('pandas', 'tools.kpis')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_specialist_with_its_own_applies_or_computed_declarations_is_imported(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "spec_ops_probe.py").write_text(textwrap.dedent('''
        NAME = "probe"
        TITLE = "Probe"
        DESCRIPTION = "Answers probe questions."
        OPERATIONS = ("lookup",)

        def applies(plan):
            return bool(plan.kpis)
    '''))
    (tmp_path / "spec_ops_computed.py").write_text(
        'NAME = "computed"\nTITLE = "Computed"\nDESCRIPTION = "x"\nOPERATIONS = tuple(["rank"])\n')
    assert declarations("spec_ops_probe") is None and declarations("spec_ops_computed") is None
    probe = registry._specialist("spec_ops_probe")
    assert probe.name == "probe" and probe.operations == ("lookup",) and probe.applies is not None
    assert probe.applies.__module__ == "spec_ops_probe"
    assert registry._specialist("spec_ops_computed").operations == ("rank",)
