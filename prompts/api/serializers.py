"""Wire shapes of the Langfuse prompts API, and parsing of its query parameters and bodies."""

from datetime import datetime

import orjson
from rest_framework.exceptions import ValidationError

from aistrale.api.json_filter import datetime_param
from aistrale.api.pagination import positive_int_param
from prompts.filters import PROMPT_FILTER
from prompts.models import PRODUCTION_LABEL, TemplateEngine
from prompts.selectors import FetchedPrompt, PromptMeta

TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no"}


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
    return orjson.dumps(prompt_representation(fetched), option=orjson.OPT_UTC_Z)


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


def _datetime_param(request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    return datetime_param(raw, field=name)


def _text_param(request, name: str) -> str | None:
    raw = request.query_params.get(name)
    return raw if raw not in (None, "") else None


def list_filters(request) -> dict:
    """Selector arguments from the query: the JSON `filter`, when given, instead of the simple filters."""
    raw = request.query_params.get("filter")
    if raw not in (None, ""):
        return {"conditions": PROMPT_FILTER.parse(raw)}
    return {
        "name": _text_param(request, "name"),
        "label": _text_param(request, "label"),
        "tag": _text_param(request, "tag"),
        "from_updated_at": _datetime_param(request, "fromUpdatedAt"),
        "to_updated_at": _datetime_param(request, "toUpdatedAt"),
    }


def _bool_param(request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in TRUE_VALUES:
        return True
    if raw.lower() in FALSE_VALUES:
        return False
    raise ValidationError({name: f"must be true or false, got {raw!r}"})


def selector_params(source: dict, *, label_key="label", version_key="version") -> tuple[str | None, int | None]:
    """(label, version) from a body or query dict: one of them, label "production" when neither."""
    label = source.get(label_key)
    version = source.get(version_key)
    if label is not None and (not isinstance(label, str) or not label):
        raise ValidationError({label_key: "must be a non-empty string"})
    if version is not None:
        if isinstance(version, str) and version.strip().lstrip("-").isdigit():
            version = int(version)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValidationError({version_key: f"must be a positive integer, got {source.get(version_key)!r}"})
    if label is not None and version is not None:
        raise ValidationError({version_key: "give either a label or a version, not both"})
    if label is None and version is None:
        label = PRODUCTION_LABEL
    return label, version


def fetch_params(request) -> tuple[str | None, int | None, bool]:
    query = {key: request.query_params.get(key) or None for key in ("label", "version")}
    label, version = selector_params(query)
    return label, version, _bool_param(request, "resolve", True)


def version_path_param(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({"version": f"must be a positive integer, got {raw!r}"}) from None
    if value < 1:
        raise ValidationError({"version": f"must be a positive integer, got {raw!r}"})
    return value


def delete_params(request) -> tuple[str | None, int | None]:
    return _text_param(request, "label"), positive_int_param(request, "version", None)


def _require_object(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object")
    return data


def create_arguments(data) -> dict:
    """Keyword arguments for prompt_version_create from a CreatePromptRequest body."""
    data = _require_object(data)
    missing = [field for field in ("name", "prompt") if data.get(field) is None]
    if missing:
        raise ValidationError({field: "This field is required." for field in missing})
    prompt_type = data.get("type")
    if prompt_type is None:
        prompt_type = "chat" if isinstance(data["prompt"], list) else "text"
    return {
        "name": data["name"],
        "content": data["prompt"],
        "prompt_type": prompt_type,
        "config": data.get("config"),
        "labels": data.get("labels") or [],
        "tags": data.get("tags"),
        "commit_message": data.get("commitMessage"),
        "template_engine": data.get("templateEngine") or TemplateEngine.LANGFUSE,
    }


def new_labels(data) -> list:
    data = _require_object(data)
    if "newLabels" not in data:
        raise ValidationError({"newLabels": "This field is required."})
    if not isinstance(data["newLabels"], list):
        raise ValidationError({"newLabels": "must be a list of strings"})
    return data["newLabels"]


def compile_arguments(data) -> dict:
    data = _require_object(data)
    variables = {} if data.get("variables") is None else data["variables"]
    placeholders = {} if data.get("placeholders") is None else data["placeholders"]
    if not isinstance(variables, dict):
        raise ValidationError({"variables": "must be an object of variable names to values"})
    if not isinstance(placeholders, dict):
        raise ValidationError({"placeholders": "must be an object of placeholder names to lists of messages"})
    label, version = selector_params(data)
    return {"variables": variables, "placeholders": placeholders, "label": label, "version": version}
