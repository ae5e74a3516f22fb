"""The due job a message runs, read in one statement built once per process.

With the job come its rule, project, evaluator version and evaluator, its target (`target`: the observation or
trace it judges, None once deleted), the rule's variable mapping for that evaluator (`assignment_mapping`) and
the judge connection's `updated_at` (set on the version as `connection_updated_at`, so the judge reuses this
process's copy of the connection until it changes).
Compiling the equivalent ORM query took longer than running it, on every job.
"""

import functools

from django.db import connection

from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import Project
from evals.models import EvaluationJob, EvaluationRule, EvaluationRuleEvaluator, Evaluator, EvaluatorVersion
from observability.models import Observation, Trace

_PARTS = (
    ("job", EvaluationJob),
    ("rule", EvaluationRule),
    ("project", Project),
    ("version", EvaluatorVersion),
    ("evaluator", Evaluator),
    ("trace", Trace),
    ("observation", Observation),
)


class _Statement:
    """The SQL, and per model the attribute names, slice of the row and converters of its columns."""

    def __init__(self):
        columns, self.parts, start = [], [], 0
        for alias, model in _PARTS:
            fields = model._meta.concrete_fields
            columns += [f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields]
            converters = [self._converters(field.get_col(alias)) for field in fields]
            self.parts.append(
                (model, [field.attname for field in fields], slice(start, start + len(fields)), converters)
            )
            start += len(fields)
        mapping = EvaluationRuleEvaluator._meta.get_field("variable_mapping")
        updated_at = LlmConnection._meta.get_field("updated_at")
        self.extra_converters = [self._converters(mapping.get_col("a")), self._converters(updated_at.get_col("c"))]
        table = {alias: model._meta.db_table for alias, model in _PARTS}
        pk = {alias: model._meta.pk.column for alias, model in _PARTS}
        self.sql = (
            f"SELECT {', '.join(columns)}, "
            f"(SELECT a.variable_mapping FROM {EvaluationRuleEvaluator._meta.db_table} a "
            "WHERE a.rule_id = job.rule_id AND a.evaluator_id = version.evaluator_id ORDER BY a.position LIMIT 1), "
            f"(SELECT c.updated_at FROM {LlmConnection._meta.db_table} c "
            "WHERE c.project_id = job.project_id AND c.provider = version.model_provider LIMIT 1) "
            f"FROM {table['job']} job "
            f"JOIN {table['rule']} rule ON rule.{pk['rule']} = job.rule_id "
            f"JOIN {table['project']} project ON project.{pk['project']} = job.project_id "
            f"JOIN {table['version']} version ON version.{pk['version']} = job.evaluator_version_id "
            f"JOIN {table['evaluator']} evaluator ON evaluator.{pk['evaluator']} = version.evaluator_id "
            f"LEFT JOIN {table['trace']} trace ON trace.project_id = job.project_id AND trace.id = job.trace_id "
            "AND (job.observation_id IS NULL OR job.observation_id = '') "
            f"LEFT JOIN {table['observation']} observation ON observation.project_id = job.project_id "
            "AND observation.id = job.observation_id "
            f"WHERE job.{pk['job']} = %s AND job.due_at <= %s AND job.status IN (%s, %s)"
        )

    @staticmethod
    def _converters(column) -> tuple:
        return column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    @staticmethod
    def convert(value, converters: tuple):
        column, functions = converters
        for function in functions:
            value = function(value, column, connection)
        return value


@functools.cache
def _statement(vendor: str) -> _Statement:
    return _Statement()


def due_job_read(*, job_id: int, now, statuses: tuple[str, str]) -> EvaluationJob | None:
    """The job if it is due and in one of `statuses`, with its related rows; None otherwise."""
    statement = _statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [job_id, now, *statuses])
        row = cursor.fetchone()
    if row is None:
        return None
    job, rule, project, version, evaluator, trace, observation = (
        None
        if row[part][0] is None
        else model.from_db(
            connection.alias,
            names,
            [statement.convert(value, converters) for value, converters in zip(row[part], converters_of, strict=True)],
        )
        for model, names, part, converters_of in statement.parts
    )
    extras = zip(row[-2:], statement.extra_converters, strict=True)
    mapping, updated_at = (statement.convert(value, converters) for value, converters in extras)
    version.evaluator, version.connection_updated_at = evaluator, updated_at
    job.rule, job.project, job.evaluator_version, job.assignment_mapping = rule, project, version, mapping
    job.target = observation if job.observation_id else trace
    return job
