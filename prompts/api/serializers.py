"""Wire shapes of the Langfuse prompts API: a request serializer per endpoint, and the response bodies.

Request input (bodies and query parameters) is parsed by the DRF serializers below; their camelCase wire
fields become the services' and selectors' Python keyword arguments through `source=`. Responses are plain
functions over the selectors' results: the prompt fetch is the measured hot path (its body is cached as
orjson bytes, see prompts.cache), so every prompt body is built by the same hand-written functions.
"""

import orjson
from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aistrale import json_text
from aistrale.api.errors import serializer_wire_names
from aistrale.api.json_filter import datetime_param
from aistrale.limits import json_depth_check
from prompts.filters import PROMPT_FILTER
from prompts.models import PRODUCTION_LABEL, PromptType, TemplateEngine
from prompts.selectors import FetchedPrompt, PromptMeta

VERSION_MAX = 2**31 - 1
NON_EMPTY_STRING = "must be a non-empty string"
NUL_REFUSED = "must not contain a NUL character"


class StringField(serializers.CharField):
    """A JSON string as sent: numbers are not turned into text, whitespace is kept, NUL is refused."""

    default_error_messages = {"invalid": "must be a string"}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators = [
            ProhibitNullCharactersValidator(message=NUL_REFUSED)
            if isinstance(validator, ProhibitNullCharactersValidator)
            else validator
            for validator in self.validators
        ]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StringListField(serializers.ListField):
    default_error_messages = {"not_a_list": "must be a list of strings"}

    def __init__(self, **kwargs):
        super().__init__(child=StringField(allow_blank=True), **kwargs)


class JsonField(serializers.JSONField):
    """Any JSON value, kept as the body parser made it (services check its depth and text)."""

    def to_internal_value(self, data):
        return data


CHAT_MESSAGE = {
    "type": "object",
    "description": 'A chat message {"role", "content"}, or a placeholder {"type": "placeholder", "name"}',
    "additionalProperties": True,
}


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "array", "items": CHAT_MESSAGE}],
        "description": "The text of a text prompt, the messages of a chat prompt",
    }
)
class PromptContentField(JsonField):
    """A prompt's content: the service holds it to its type (text: a string, chat: a list of messages)."""


@extend_schema_field(serializers.ChoiceField(choices=PromptType.choices))
class PromptTypeField(StringField):
    """A prompt type as sent; the service refuses one it does not know, naming the field."""


@extend_schema_field(serializers.ChoiceField(choices=TemplateEngine.choices))
class TemplateEngineField(StringField):
    """A template engine as sent; the service refuses one it does not know, naming the field."""


class VersionField(serializers.IntegerField):
    """A version number: a positive integer (or its digits, in a query) that the version column holds."""

    default_error_messages = {
        "invalid": "must be a positive integer",
        "min_value": "must be a positive integer",
        "max_value": "must be at most {max_value}",
        "max_string_length": "must be a positive integer",
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=VERSION_MAX, **kwargs)


class QueryDateTimeField(serializers.DateTimeField):
    """An ISO 8601 query timestamp, read and range-checked as every list endpoint reads one."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        return datetime_param(value, field=self.source)


class RequestSerializer(serializers.Serializer):
    """Request input: the wire fields validated, keyed by the Python names they are the source of."""

    default_error_messages = {"invalid": "Request body must be a JSON object, got {datatype}"}

    @classmethod
    def parse(cls, data) -> dict:
        serializer = cls(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @classmethod
    def wire_names(cls):
        """DomainErrors raised inside name their field as this request does (`content` -> `prompt`)."""
        return serializer_wire_names(cls)


class LabelOrVersionSerializer(RequestSerializer):
    """One of label or version; the "production" label when neither is given."""

    label = StringField(
        required=False, allow_null=True, error_messages={"invalid": NON_EMPTY_STRING, "blank": NON_EMPTY_STRING}
    )
    version = VersionField(required=False, allow_null=True)

    def validate(self, attrs):
        label, version = attrs.get("label"), attrs.get("version")
        if label is not None and version is not None:
            raise serializers.ValidationError({"version": "give either a label or a version, not both"})
        if label is None and version is None:
            label = PRODUCTION_LABEL
        return {**attrs, "label": label, "version": version}


class PromptFetchQuerySerializer(LabelOrVersionSerializer):
    """GET /v2/prompts/{name}?label=&version=&resolve="""

    resolve = serializers.BooleanField(
        default=True, error_messages={"invalid": "must be true or false"}, help_text="Compose referenced prompts"
    )


class PromptListQuerySerializer(RequestSerializer):
    """GET /v2/prompts: the JSON `filter`, when given, instead of the simple filters."""

    name = StringField(required=False, allow_null=True)
    label = StringField(required=False, allow_null=True)
    tag = StringField(required=False, allow_null=True)
    fromUpdatedAt = QueryDateTimeField(source="from_updated_at", required=False, allow_null=True)
    toUpdatedAt = QueryDateTimeField(source="to_updated_at", required=False, allow_null=True)
    filter = StringField(required=False, allow_null=True, help_text="A Langfuse JSON filter (a list of conditions)")

    def validate_filter(self, raw):
        return None if raw is None else PROMPT_FILTER.parse(raw)

    def validate(self, attrs):
        if attrs.get("filter") is not None:
            return {"conditions": attrs["filter"]}
        return {name: attrs.get(name) for name in ("name", "label", "tag", "from_updated_at", "to_updated_at")}


class PromptDeleteQuerySerializer(RequestSerializer):
    """DELETE /v2/prompts/{name}?label=&version="""

    label = StringField(required=False, allow_null=True)
    version = VersionField(required=False, allow_null=True)

    def validate(self, attrs):
        return {"label": attrs.get("label"), "version": attrs.get("version")}


class PromptCreateSerializer(RequestSerializer):
    """POST /v2/prompts: a CreatePromptRequest (text or chat)."""

    name = StringField()
    prompt = PromptContentField(source="content")
    type = PromptTypeField(
        source="prompt_type",
        required=False,
        allow_null=True,
        help_text="Default: chat for a list of messages, else text",
    )
    config = JsonField(required=False, allow_null=True)
    labels = StringListField(required=False, allow_null=True)
    tags = StringListField(required=False, allow_null=True)
    commitMessage = StringField(source="commit_message", required=False, allow_null=True, allow_blank=True)
    templateEngine = TemplateEngineField(source="template_engine", required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("prompt_type") is None:
            attrs["prompt_type"] = PromptType.CHAT if isinstance(attrs["content"], list) else PromptType.TEXT
        attrs["labels"] = attrs.get("labels") or []
        attrs["template_engine"] = attrs.get("template_engine") or TemplateEngine.LANGFUSE
        return attrs


class PromptVersionPathSerializer(RequestSerializer):
    """The {version} of /v2/prompts/{name}/versions/{version}."""

    version = VersionField()


class PromptLabelsUpdateSerializer(RequestSerializer):
    """PATCH /v2/prompts/{name}/versions/{version}: labels to add to the version."""

    newLabels = StringListField(source="labels")


class PromptCompileSerializer(LabelOrVersionSerializer):
    """POST /api/prompts/{name}/compile: the version to compile and what to fill in."""

    variables = serializers.DictField(
        required=False,
        allow_null=True,
        error_messages={"not_a_dict": "must be an object of variable names to values"},
        help_text="Values of the template's variables",
    )
    placeholders = serializers.DictField(
        required=False,
        allow_null=True,
        error_messages={"not_a_dict": "must be an object of placeholder names to lists of messages"},
        help_text="Messages that replace each named placeholder of a chat prompt",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for field in ("variables", "placeholders"):
            attrs[field] = attrs.get(field) or {}
            json_depth_check(attrs[field], field=field)
        return attrs


def prompt_representation(fetched: FetchedPrompt) -> dict:
    version = fetched.version
    body = {
        "id": version.pk,
        "name": version.prompt.name,
        "version": version.version,
        "type": version.type,
        "prompt": fetched.content,
        "config": version.config,
        "labels": fetched.labels,
        "tags": version.prompt.tags or [],
        "commitMessage": version.commit_message or None,
        "resolutionGraph": fetched.resolution_graph,
        "createdAt": version.created_at,
        "createdBy": version.created_by,
        "projectId": version.project_id,
    }
    if version.template_engine != TemplateEngine.LANGFUSE:
        body["templateEngine"] = version.template_engine
    return body


def prompt_body(fetched: FetchedPrompt) -> bytes:
    return json_text.dumps(prompt_representation(fetched), option=orjson.OPT_UTC_Z)


def prompt_meta_representation(meta: PromptMeta) -> dict:
    return {
        "name": meta.name,
        "type": meta.type,
        "versions": meta.versions,
        "labels": meta.labels,
        "tags": meta.tags,
        "lastUpdatedAt": meta.last_updated_at,
        "lastConfig": meta.last_config,
    }
