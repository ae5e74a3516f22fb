"""The scores admin: `scores` (the Score changelist), `score_configs` (create, edit, archive through the
services), `rules` (live evaluation rules: preview, the rule page with jobs, spend and calibration), `panels`
(the scores the trace and session pages show through observability's page panels)."""

from evals.admin import rules, score_configs, scores

__all__ = ["rules", "score_configs", "scores"]
