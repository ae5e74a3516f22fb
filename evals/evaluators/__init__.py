"""Running evaluator versions: `evaluator_run(version=, variables=)` -> Verdict (see runner.py)."""
