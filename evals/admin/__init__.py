"""The scores admin: `scores` (the Score changelist), `score_configs` (create, edit, archive through the
services), `panels` (the scores the trace and session pages show through observability's page panels)."""

from evals.admin import score_configs, scores

__all__ = ["score_configs", "scores"]
