"""Evaluator writes: create (from scratch or from the built-in library), new versions, metadata, archive.

A version is checked whole before it is written: an LLM judge's chat prompt and the variables it uses, the
default variable mapping against those variables, the score it produces (data type, range, categories) and
its model on one of the project's LLM connections; a deterministic check's config; a semantic similarity's
embeddings model and threshold. No version carries user code; a broken rule is a DomainError naming the field.
"""

import math
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.llm.models import SUPPORTED_ADAPTERS, LlmAdapter
from aistrale.llm.selectors import llm_connection_list
from aistrale.tenancy.services import audit_record
from evals.evaluators.deterministic import check_config_validate, check_data_type, check_variables
from evals.evaluators.library import LIBRARY
from evals.evaluators.similarity import VARIABLES as SIMILARITY_VARIABLES
from evals.evaluators.similarity import similarity_data_type, threshold_validate
from evals.evaluators.variables import placeholders
from evals.live.mapping import SOURCES
from evals.models import Evaluator, EvaluatorStatus, EvaluatorType, EvaluatorVersion, ScoreDataType

ROLES = ("system", "user", "assistant")
OUTPUT_DATA_TYPES = (ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN, ScoreDataType.CATEGORICAL)
OUTPUT_KEYS = {
    "dataType",
    "minValue",
    "maxValue",
    "categories",
    "shouldAllowMultipleMatches",
    "scoreName",
    "scoreValueInstructions",
    "scoreReasoningInstructions",
}
PARAMETER_RANGES = {
    "temperature": (0, 2),
    "top_p": (0, 1),
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
}
INTEGER_PARAMETERS = {"max_tokens": 1, "seed": 0}
CODE_REFUSAL = (
    "AISTRALE runs no user-supplied code: use an llm_as_judge, deterministic or semantic_similarity evaluator"
)
UNSET = object()


def _name_check(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    return text_check(name.strip(), field="name", max_length=column_length(Evaluator, "name"))


def _description_check(description) -> str | None:
    if description is None:
        return None
    if not isinstance(description, str):
        raise DomainError("must be a string or null", field="description")
    return text_check(description, field="description")


def prompt_check(prompt) -> list[dict]:
    """A chat prompt ([{"role", "content"}]); a plain string is one user message."""
    if isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    if not isinstance(prompt, list) or not prompt:
        raise DomainError("must be a non-empty string or a non-empty list of chat messages", field="prompt")
    messages = []
    for index, message in enumerate(prompt):
        field = f"prompt.{index}"
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise DomainError("must be an object with exactly a role and a content", field=field)
        if message["role"] not in ROLES:
            raise DomainError(f"must be one of {', '.join(ROLES)}, got {message['role']!r}", field=f"{field}.role")
        if not isinstance(message["content"], str) or not message["content"].strip():
            raise DomainError("must be a non-empty string", field=f"{field}.content")
        messages.append({"role": message["role"], "content": text_check(message["content"], field=f"{field}.content")})
    return messages


def prompt_variables(prompt: list[dict]) -> list[str]:
    return list(dict.fromkeys(name for message in prompt for name in placeholders(message["content"])))


def _bound(definition: dict, key: str) -> float | None:
    value = definition.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DomainError(f"must be a finite number, got {value!r}", field=f"output_definition.{key}")
    return value


def _categories_check(categories) -> list[dict]:
    """Categories as [{"label", "value"}]; plain labels (the public API's form) get their position as value."""
    field = "output_definition.categories"
    if not isinstance(categories, list) or len(categories) < 2:
        raise DomainError("CATEGORICAL outputs need at least two categories", field=field)
    result, labels, values = [], set(), set()
    for index, category in enumerate(categories):
        if isinstance(category, str):
            category = {"label": category, "value": index}
        if not isinstance(category, dict) or set(category) != {"label", "value"}:
            raise DomainError("must be a label or an object with exactly a label and a value", field=f"{field}.{index}")
        label, value = category["label"], category["value"]
        if not isinstance(label, str) or not label.strip():
            raise DomainError("must be a non-empty string", field=f"{field}.{index}.label")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DomainError(f"must be a finite number, got {value!r}", field=f"{field}.{index}.value")
        if label in labels:
            raise DomainError(f"duplicate category {label!r}: categories must be unique", field=f"{field}.{index}")
        if value in values:
            raise DomainError(f"duplicate category value {value!r}", field=f"{field}.{index}.value")
        labels.add(label)
        values.add(value)
        result.append({"label": label, "value": value})
    return result


def output_definition_check(definition) -> dict:
    """The score a version produces: data type, range (NUMERIC) or categories (CATEGORICAL), instructions."""
    if not isinstance(definition, dict):
        raise DomainError("must be an object with a dataType", field="output_definition")
    unknown = set(definition) - OUTPUT_KEYS
    if unknown:
        raise DomainError(f"unknown fields {sorted(unknown)}", field="output_definition")
    data_type = definition.get("dataType")
    if data_type not in OUTPUT_DATA_TYPES:
        raise DomainError(
            f"must be one of {', '.join(OUTPUT_DATA_TYPES)}, got {data_type!r}", field="output_definition.data_type"
        )
    result = {"dataType": data_type}
    low, high = _bound(definition, "minValue"), _bound(definition, "maxValue")
    if data_type == ScoreDataType.NUMERIC:
        if low is not None and high is not None and low > high:
            raise DomainError(f"must not exceed maxValue ({high}), got {low}", field="output_definition.min_value")
        result |= {"minValue": low, "maxValue": high}
    elif low is not None or high is not None:
        raise DomainError(f"only NUMERIC outputs have a range, not {data_type}", field="output_definition.min_value")
    if data_type == ScoreDataType.CATEGORICAL:
        result["categories"] = _categories_check(definition.get("categories"))
        if definition.get("shouldAllowMultipleMatches", False) is not False:
            raise DomainError(
                "must be false: a judge answers with one category",
                field="output_definition.should_allow_multiple_matches",
            )
        result["shouldAllowMultipleMatches"] = False
    elif definition.get("categories") is not None:
        raise DomainError(
            f"only CATEGORICAL outputs have categories, not {data_type}", field="output_definition.categories"
        )
    for key in ("scoreName", "scoreValueInstructions", "scoreReasoningInstructions"):
        value = definition.get(key)
        if value is not None:
            field = f"output_definition.{key}"
            if not isinstance(value, str) or not value.strip():
                raise DomainError("must be a non-empty string or null", field=field)
            result[key] = text_check(value, field=field)
    if "scoreName" in result:
        result["scoreName"] = text_check(result["scoreName"], field="output_definition.score_name", max_length=255)
    return result


def variable_mapping_check(mapping, *, variables: list[str]) -> list[dict]:
    """The default mapping: at most one entry per variable, each a known source with an optional `$` JSON path."""
    if mapping is None:
        return []
    if not isinstance(mapping, list):
        raise DomainError("must be a list of {variable, source, jsonPath}", field="variable_mapping")
    result, seen = [], set()
    for index, entry in enumerate(mapping):
        field = f"variable_mapping.{index}"
        if not isinstance(entry, dict) or not {"variable", "source"} <= set(entry) <= {
            "variable",
            "source",
            "jsonPath",
        }:
            raise DomainError("must be an object with a variable, a source and optionally a jsonPath", field=field)
        variable, source, path = entry["variable"], entry["source"], entry.get("jsonPath")
        if variable not in variables:
            raise DomainError(
                f"{variable!r} is not a variable of the prompt (its variables: {', '.join(variables) or 'none'})",
                field=f"{field}.variable",
            )
        if variable in seen:
            raise DomainError(f"{variable!r} is mapped twice", field=f"{field}.variable")
        if source not in SOURCES:
            raise DomainError(f"must be one of {', '.join(SOURCES)}, got {source!r}", field=f"{field}.source")
        if path is not None and (not isinstance(path, str) or not path.startswith("$")):
            raise DomainError(f"must be a JSONPath starting with $, got {path!r}", field=f"{field}.json_path")
        seen.add(variable)
        result.append({"variable": variable, "source": source, "jsonPath": path})
    return result


def model_parameters_check(parameters) -> dict:
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise DomainError("must be an object", field="model_parameters")
    for name, value in parameters.items():
        field = f"model_parameters.{name}"
        if name in PARAMETER_RANGES:
            low, high = PARAMETER_RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise DomainError(f"must be a number within [{low}, {high}], got {value!r}", field=field)
        elif name in INTEGER_PARAMETERS:
            if isinstance(value, bool) or not isinstance(value, int) or value < INTEGER_PARAMETERS[name]:
                raise DomainError(
                    f"must be an integer of at least {INTEGER_PARAMETERS[name]}, got {value!r}", field=field
                )
        elif name == "stop":
            if not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise DomainError("must be a string or a list of strings", field=field)
        else:
            known = sorted([*PARAMETER_RANGES, *INTEGER_PARAMETERS, "stop"])
            raise DomainError(f"unknown model parameter (known: {', '.join(known)})", field="model_parameters")
    return dict(parameters)


def model_check(*, project, model_provider, model, embeddings: bool = False) -> None:
    """`model_provider` names one of the project's LLM connections on a supported adapter that offers `model`."""
    if not isinstance(model_provider, str) or not model_provider:
        raise DomainError("must name one of the project's LLM connections", field="model_provider")
    if not isinstance(model, str) or not model.strip():
        raise DomainError("must be a non-empty model name", field="model")
    connections = {connection.provider: connection for connection in llm_connection_list(project=project)}
    connection = connections.get(model_provider)
    if connection is None:
        names = sorted(connections)
        raise DomainError(
            f"no LLM connection {model_provider!r} in this project (it has: {', '.join(names) or 'none'})",
            field="model_provider",
        )
    if connection.adapter not in SUPPORTED_ADAPTERS:
        raise DomainError(
            f"connection {model_provider!r} uses the unsupported adapter {connection.adapter!r}", field="model_provider"
        )
    if embeddings and connection.adapter == LlmAdapter.ANTHROPIC:
        raise DomainError(
            f"connection {model_provider!r} is an anthropic connection, which has no embeddings: use an "
            "OpenAI-compatible one",
            field="model_provider",
        )
    if not connection.with_default_models and model not in (connection.custom_models or []):
        raise DomainError(
            f"{model!r} is not offered by connection {model_provider!r} (its models: "
            f"{', '.join(connection.custom_models or []) or 'none'})",
            field="model",
        )


def _derived_output(definition, *, data_type: str, low=None, high=None) -> dict:
    """The output of a check whose data type follows from its config; the caller may name the score."""
    given = {} if definition is None else definition
    if not isinstance(given, dict):
        raise DomainError("must be an object", field="output_definition")
    if given.get("dataType") not in (None, data_type):
        raise DomainError(
            f"this check gives a {data_type} score, not {given['dataType']}", field="output_definition.data_type"
        )
    extra = {key: value for key, value in given.items() if key not in ("dataType", "minValue", "maxValue")}
    result = output_definition_check({**extra, "dataType": data_type})
    if data_type == ScoreDataType.NUMERIC:
        result |= {"minValue": low, "maxValue": high}
    return result


def version_fields(
    *,
    project,
    evaluator_type: str,
    prompt=None,
    variable_mapping=None,
    model_provider=None,
    model=None,
    model_parameters=None,
    check_config=None,
    output_definition=None,
) -> dict:
    """The checked fields of a new EvaluatorVersion of that type (DomainError naming the first broken one)."""
    if evaluator_type == EvaluatorType.LLM_AS_JUDGE:
        messages = prompt_check(prompt)
        variables = prompt_variables(messages)
        if not variables:
            raise DomainError("must use at least one {{variable}} (e.g. {{input}}, {{output}})", field="prompt")
        definition = output_definition_check(output_definition)
        model_check(project=project, model_provider=model_provider, model=model)
        if check_config is not None:
            raise DomainError("only deterministic and semantic_similarity evaluators have one", field="check_config")
        return {
            "prompt": messages,
            "variables": variables,
            "variable_mapping": variable_mapping_check(variable_mapping, variables=variables),
            "model_provider": model_provider,
            "model": model.strip(),
            "model_parameters": model_parameters_check(model_parameters),
            "check_config": None,
            "output_definition": definition,
        }
    if evaluator_type == EvaluatorType.DETERMINISTIC:
        given = (("prompt", prompt), ("model_provider", model_provider), ("model", model))
        for field, value in (*given, ("model_parameters", model_parameters)):
            if value not in (None, "", [], {}):
                raise DomainError("a deterministic evaluator calls no model and has no prompt", field=field)
        config = check_config_validate(check_config)
        variables = check_variables(config)
        data_type = check_data_type(config)
        return {
            "prompt": None,
            "variables": variables,
            "variable_mapping": variable_mapping_check(variable_mapping, variables=variables),
            "model_provider": None,
            "model": None,
            "model_parameters": None,
            "check_config": config,
            "output_definition": _derived_output(output_definition, data_type=data_type, low=0, high=1),
        }
    if evaluator_type == EvaluatorType.SEMANTIC_SIMILARITY:
        for field, value in (("prompt", prompt), ("model_parameters", model_parameters)):
            if value not in (None, "", [], {}):
                raise DomainError("a semantic similarity evaluator has no prompt or model parameters", field=field)
        model_check(project=project, model_provider=model_provider, model=model, embeddings=True)
        config = threshold_validate(check_config)
        data_type = similarity_data_type(config)
        return {
            "prompt": None,
            "variables": list(SIMILARITY_VARIABLES),
            "variable_mapping": variable_mapping_check(variable_mapping, variables=SIMILARITY_VARIABLES),
            "model_provider": model_provider,
            "model": model.strip(),
            "model_parameters": None,
            "check_config": config,
            "output_definition": _derived_output(output_definition, data_type=data_type, low=-1, high=1),
        }
    if evaluator_type == "code":
        raise DomainError(CODE_REFUSAL, field="type")
    raise DomainError(f"must be one of {', '.join(EvaluatorType.values)}, got {evaluator_type!r}", field="type")


def _version_write(*, evaluator: Evaluator, fields: dict, created_by) -> EvaluatorVersion:
    latest = evaluator.versions.order_by("-version").values_list("version", flat=True).first() or 0
    return EvaluatorVersion.objects.create(
        project=evaluator.project,
        id=str(uuid.uuid4()),
        evaluator=evaluator,
        version=latest + 1,
        created_by=created_by,
        **fields,
    )


def _state(evaluator: Evaluator, version: EvaluatorVersion | None = None) -> dict:
    state = {"name": evaluator.name, "description": evaluator.description, "type": evaluator.type}
    if version is not None:
        state |= {"version": version.version, "model": version.model, "outputDefinition": version.output_definition}
    return state


def evaluator_create(
    *,
    project,
    name,
    type,
    description=None,
    created_by=None,
    **definition,
) -> Evaluator:
    """A new evaluator at version 1; `definition` holds the version fields (prompt, model, check_config, ...)."""
    name = _name_check(name)
    description = _description_check(description)
    fields = version_fields(project=project, evaluator_type=type, **definition)
    if Evaluator.objects.filter(project=project, name=name).exists():
        raise DomainError(f"an evaluator named {name!r} exists in this project", field="name", status=409)
    try:
        with transaction.atomic():
            evaluator = Evaluator.objects.create(
                project=project,
                id=str(uuid.uuid4()),
                name=name,
                description=description,
                type=type,
                created_by=created_by,
            )
            version = _version_write(evaluator=evaluator, fields=fields, created_by=created_by)
            audit_record(
                action="evaluator.created",
                object_type="Evaluator",
                object_id=evaluator.id,
                project=project,
                after=_state(evaluator, version),
            )
    except IntegrityError:
        raise DomainError(f"an evaluator named {name!r} exists in this project", field="name", status=409) from None
    return evaluator


def evaluator_version_create(*, evaluator: Evaluator, created_by=None, **definition) -> EvaluatorVersion:
    """The next version of the evaluator, its definition replaced whole; a pause for a bad model config ends."""
    fields = version_fields(project=evaluator.project, evaluator_type=evaluator.type, **definition)
    with transaction.atomic():
        evaluator = Evaluator.objects.select_for_update().get(key=evaluator.key)
        version = _version_write(evaluator=evaluator, fields=fields, created_by=created_by)
        if evaluator.paused_reason == "invalid_model_config":
            evaluator.status, evaluator.paused_at, evaluator.paused_reason, evaluator.paused_message = (
                EvaluatorStatus.ACTIVE,
                None,
                None,
                None,
            )
        evaluator.save()
        audit_record(
            action="evaluator.versioned",
            object_type="Evaluator",
            object_id=evaluator.id,
            project=evaluator.project,
            after=_state(evaluator, version),
        )
    return version


def evaluator_update(*, evaluator: Evaluator, name=UNSET, description=UNSET) -> Evaluator:
    """Name and description changes (no new version)."""
    before = _state(evaluator)
    if name is not UNSET:
        name = _name_check(name)
        if Evaluator.objects.filter(project=evaluator.project, name=name).exclude(key=evaluator.key).exists():
            raise DomainError(f"an evaluator named {name!r} exists in this project", field="name", status=409)
        evaluator.name = name
    if description is not UNSET:
        evaluator.description = _description_check(description)
    with transaction.atomic():
        evaluator.save()
        audit_record(
            action="evaluator.updated",
            object_type="Evaluator",
            object_id=evaluator.id,
            project=evaluator.project,
            before=before,
            after=_state(evaluator),
        )
    return evaluator


def evaluator_set_archived(*, evaluator: Evaluator, archived: bool) -> Evaluator:
    """Archive (hide from the API and from new rules, keep versions, jobs and scores) or restore."""
    evaluator.archived_at = timezone.now() if archived else None
    with transaction.atomic():
        evaluator.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            action="evaluator.archived" if archived else "evaluator.restored",
            object_type="Evaluator",
            object_id=evaluator.id,
            project=evaluator.project,
        )
    return evaluator


def evaluator_create_from_library(
    *, project, template: str, model_provider, model, name=None, created_by=None
) -> Evaluator:
    """A project's LLM-as-a-judge evaluator from a built-in template, on the given connection and model."""
    if template not in LIBRARY:
        raise DomainError(f"must be one of {', '.join(LIBRARY)}, got {template!r}", field="template")
    chosen = LIBRARY[template]
    return evaluator_create(
        project=project,
        name=chosen.name if name in (None, "") else name,
        description=chosen.description,
        type=EvaluatorType.LLM_AS_JUDGE,
        prompt=chosen.prompt,
        variable_mapping=chosen.variable_mapping,
        model_provider=model_provider,
        model=model,
        model_parameters={"temperature": 0},
        output_definition=chosen.output_definition,
        created_by=created_by,
    )
