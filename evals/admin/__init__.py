"""The evals admin: `scores` (the Score changelist), `score_configs` (create, edit, archive through the
services), `panels` (the scores the trace and session pages show through observability's page panels),
`evaluators` (list, versions, create from scratch or the library, edit as a new version, try it), `rules` (live
evaluation rules: preview, the rule page with jobs, spend and calibration)."""

from evals.admin import evaluators, rules, score_configs, scores

__all__ = ["evaluators", "rules", "score_configs", "scores"]
