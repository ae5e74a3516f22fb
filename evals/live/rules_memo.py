"""Which projects have no enabled live-evaluation rule, memoized per process under a generation token.

Ingestion asks on every request (observability's trace write handler) and most projects have no rule,
so that answer is kept while the project's rules token (aistrale.generation_tokens) holds; every save
or delete of one of its rules replaces the token, so every worker sees a new rule on its next write.
The token read costs no round trip with Redis tracking it, or one primary-key query without Redis.
"""

from collections.abc import Callable

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from aistrale.generation_tokens import token_bump, token_current, tokens_read
from evals.models import EvaluationRule

MAX_MEMOIZED_PROJECTS = 10_000

_without_rules: dict[str, bytes] = {}


def _token_name(project_id) -> str:
    return f"evals:rules:{project_id}"


def enabled_rules_memoized(project_id, load: Callable[[], list[EvaluationRule]]) -> list[EvaluationRule]:
    """`load()`'s rules, or [] without asking while the project had none under its current token."""
    name = _token_name(project_id)
    [read] = tokens_read([name])
    token = token_current(name, read)
    if _without_rules.get(project_id) == token:
        return []
    rules = load()
    if not rules:
        if len(_without_rules) >= MAX_MEMOIZED_PROJECTS:
            _without_rules.clear()
        _without_rules[project_id] = token
    return rules


@receiver(post_save, sender=EvaluationRule)
@receiver(post_delete, sender=EvaluationRule)
def _retire_memo(sender, instance: EvaluationRule, **kwargs):
    token_bump(_token_name(instance.project_id))
