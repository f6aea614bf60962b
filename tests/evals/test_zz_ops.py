from evals.models import load_cases
from tests.evals.conftest import _run


async def test_ops(demo):
    run = await _run(demo, load_cases(suites=["operations"]))
    out = run.outcome
    for f in out.failures:
        print("FAIL", f.case.key, f.variant, [(s.evaluator, s.details) for s in f.scores if not s.passed])
    print("pass rate", out.pass_rate, out.n_items)
