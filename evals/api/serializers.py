"""The score body on the wire (CreateScoreRequest, and the body of score-create ingestion events)."""

import functools

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aistrale.api.errors import domain_error_message, flatten_detail
from aistrale.errors import DomainError
from evals.models import Score, ScoreDataType, ScoreSource
from evals.selectors import score_config_map
from evals.services import score_build


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string"}],
        "description": "A number for numeric and boolean scores, a string for categorical and text",
    }
)
class ScoreValueField(serializers.Field):
    """A number, or a string for categorical, text and correction scores."""

    default_error_messages = {"invalid": "must be a number or a string"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


def optional_text(source: str | None = None, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        **({"source": source} if source else {}),
        **kwargs,
    )


class ScoreCreateSerializer(serializers.Serializer):
    id = optional_text("score_id")
    traceId = optional_text("trace_id")
    observationId = optional_text("observation_id")
    sessionId = optional_text("session_id")
    datasetRunId = optional_text("dataset_run_id")
    name = serializers.CharField()
    value = ScoreValueField()
    dataType = serializers.ChoiceField(
        source="data_type", choices=ScoreDataType.values, required=False, allow_null=True
    )
    source = serializers.ChoiceField(choices=ScoreSource.values, required=False, allow_null=True)
    comment = optional_text()
    metadata = serializers.JSONField(required=False, allow_null=True)
    configId = optional_text("config_id")
    environment = optional_text()
    timestamp = serializers.DateTimeField(required=False, allow_null=True)
    queueId = optional_text("queue_id")


def _plain(field: serializers.Field, value) -> bool:
    """Would this field take `value` unchanged? (Anything it would convert, trim or refuse: no.)"""
    if value is None:
        return field.allow_null
    if isinstance(field, serializers.ChoiceField):
        return isinstance(value, str) and value in field.choices
    if isinstance(field, serializers.CharField):
        return (
            isinstance(value, str)
            and "\x00" not in value
            and (value.isascii() or _no_surrogates(value))
            and bool(value.strip() or field.allow_blank)
            and (not field.trim_whitespace or value == value.strip())
        )
    if isinstance(field, ScoreValueField):
        return isinstance(value, (int, float, str)) and not isinstance(value, bool)
    return isinstance(field, serializers.JSONField)


def _no_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _score_fields() -> tuple[tuple[str, str, serializers.Field], ...]:
    return tuple((name, field.source, field) for name, field in ScoreCreateSerializer().fields.items())


def _plain_score_data(body) -> dict | None:
    """The serializer's validated data of a body every field takes as it is, without running the serializer;
    None for any other body (the serializer then parses it and names what is wrong)."""
    if not isinstance(body, dict):
        return None
    data = {}
    for name, source, field in _score_fields():
        if name not in body:
            if field.required:
                return None
            continue
        value = body[name]
        if not _plain(field, value):
            return None
        data[source] = value
    return data


def score_from_body(*, project, body, default_timestamp=None, allowed_sources=None, configs=None) -> Score:
    """An unsaved Score from a wire body: the serializer parses it, the service holds it to the score rules.

    POST /scores and score-create ingestion events both come here, so a score is validated one way. A body
    of plain values (the usual one) skips the serializer's machinery, which would take it as it is.
    Raises the serializer's ValidationError or the service's DomainError.
    """
    data = _plain_score_data(body)
    if data is None:
        serializer = ScoreCreateSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
    return score_build(
        project=project,
        default_timestamp=default_timestamp,
        allowed_sources=allowed_sources,
        configs=configs,
        **data,
    )


def _config_ids(bodies) -> set[str]:
    return {
        body["configId"]
        for _, body, _ in bodies
        if isinstance(body, dict) and isinstance(body.get("configId"), str) and body["configId"]
    }


def scores_from_bodies(*, project, bodies, allowed_sources=None) -> tuple[list[Score], dict]:
    """(the valid scores, {key: error message}) of (key, body, default timestamp) triples.

    The configs the bodies name are loaded in one query.
    """
    configs = score_config_map(project=project, config_ids=_config_ids(bodies))
    scores, errors = [], {}
    for key, body, default_timestamp in bodies:
        try:
            scores.append(
                score_from_body(
                    project=project,
                    body=body,
                    default_timestamp=default_timestamp,
                    allowed_sources=allowed_sources,
                    configs=configs,
                )
            )
        except serializers.ValidationError as error:
            errors[key] = "; ".join(flatten_detail(error.detail))
        except DomainError as error:
            errors[key] = domain_error_message(error)
    return scores, errors


class ConfigCategorySerializer(serializers.Serializer):
    label = serializers.CharField(trim_whitespace=False)
    value = serializers.FloatField()


class ScoreConfigCreateSerializer(serializers.Serializer):
    """CreateScoreConfigRequest; the service holds it to the rules of its data type."""

    name = serializers.CharField(trim_whitespace=False)
    dataType = serializers.ChoiceField(
        source="data_type", choices=ScoreDataType.values, help_text="NUMERIC, BOOLEAN, CATEGORICAL or TEXT"
    )
    categories = serializers.JSONField(required=False, allow_null=True)
    minValue = serializers.FloatField(source="min_value", required=False, allow_null=True)
    maxValue = serializers.FloatField(source="max_value", required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)


class ScoreConfigUpdateSerializer(serializers.Serializer):
    """UpdateScoreConfigRequest: only the fields sent change."""

    isArchived = serializers.BooleanField(source="is_archived", required=False)
    name = serializers.CharField(required=False, trim_whitespace=False)
    categories = serializers.JSONField(required=False, allow_null=True)
    minValue = serializers.FloatField(source="min_value", required=False, allow_null=True)
    maxValue = serializers.FloatField(source="max_value", required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)


def validated(serializer_class, data) -> dict:
    """The serializer's validated data (a 400 naming the field otherwise)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
