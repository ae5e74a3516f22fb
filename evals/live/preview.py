"""A rule's preview: its evaluator run on one chosen trace (or observation) before the rule is saved."""

from dataclasses import dataclass

from aistrale.errors import DomainError
from evals.evaluators.runner import evaluator_run
from evals.evaluators.verdicts import Verdict
from evals.live.mapping import default_mapping, mapping_check, variables_fill
from evals.models import Evaluator, RuleTarget
from observability.models import Observation, Trace


@dataclass
class Preview:
    target_label: str
    variables: dict
    verdict: Verdict


def evaluation_rule_preview(
    *,
    project,
    evaluator: Evaluator,
    target: str,
    trace_id: str,
    observation_id: str | None = None,
    variable_mapping: list | None = None,
) -> Preview:
    """Run the evaluator's latest version on the target as the rule would map it; writes no score."""
    version = evaluator.versions.order_by("-version").first()
    if version is None:
        raise DomainError(f"evaluator {evaluator.name!r} has no version yet", field="evaluators")
    if target != RuleTarget.TRACE:
        if not observation_id:
            raise DomainError("choose an observation to preview this rule on", field="preview_observation_id")
        row = Observation.objects.filter(project=project, id=observation_id).first()
        label = f"observation {observation_id}"
    else:
        row = Trace.objects.filter(project=project, id=trace_id).first()
        label = f"trace {trace_id}"
    if row is None:
        field = "preview_observation_id" if target != RuleTarget.TRACE else "preview_trace_id"
        raise DomainError(f"no {label} in this project", field=field)
    mapping = mapping_check(variable_mapping, field="variable_mapping") or (
        mapping_check(version.variable_mapping or None, field="variable_mapping")
        or default_mapping(version.variables or [])
    )
    variables = variables_fill(mapping=mapping, target=row)
    verdict = evaluator_run(version=version, variables=variables, trace_metadata={"preview": True})
    return Preview(target_label=label, variables=variables, verdict=verdict)
