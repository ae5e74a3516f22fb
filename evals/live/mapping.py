"""Variable mappings: which field of the target (input, output, metadata, ...) feeds which prompt variable,
optionally narrowed by a JSON path (`$.messages[0].content`, `$['a key']`). `latency` (seconds) and `cost`
(USD) are the observation's own, or for a trace those of its observations together."""

import json
import re

from aistrale.errors import DomainError
from observability.models import Observation, seconds_between
from observability.selectors.traces import trace_metrics

EXPERIMENT_ATTRIBUTES = {
    "expected_output": "langfuse.experiment.item.expected_output",
    "experiment_item_metadata": "langfuse.experiment.item.metadata",
}
SOURCES = (
    "input",
    "output",
    "metadata",
    "tool_calls",
    "expected_output",
    "experiment_item_metadata",
    "latency",
    "cost",
)
PATH_STEP = re.compile(
    r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]"""
)


def json_path_steps(path: str, *, field: str) -> list[str | int]:
    """The keys and indexes of a `$...` path; a DomainError naming `field` when it is not one."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise DomainError(f"must be a JSON path starting with $, got {path!r}", field=field)
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = PATH_STEP.match(path, position)
        if match is None:
            raise DomainError(f"is not a JSON path this server reads: bad step at {path[position:]!r}", field=field)
        name, index, single, double = match.groups()
        steps.append(int(index) if index is not None else (name or single or double or ""))
        position = match.end()
    return steps


def json_path_get(value, steps: list[str | int]):
    """The value at the path, or None when a step is missing."""
    for step in steps:
        if (
            isinstance(step, int)
            and isinstance(value, list)
            and step < len(value)
            or isinstance(step, str)
            and isinstance(value, dict)
            and step in value
        ):
            value = value[step]
        else:
            return None
    return value


def mapping_check(mapping, *, field: str) -> list[dict] | None:
    """The mapping normalised to [{variable, source, jsonPath}], None kept (inherit); DomainError naming the item."""
    if mapping is None:
        return None
    if not isinstance(mapping, list):
        raise DomainError("must be a list of {variable, source, jsonPath} objects or null", field=field)
    checked = []
    for index, item in enumerate(mapping):
        where = f"{field}.{index}"
        if not isinstance(item, dict):
            raise DomainError("must be an object with variable and source", field=where)
        variable, source, path = item.get("variable"), item.get("source"), item.get("jsonPath")
        if not isinstance(variable, str) or not variable.strip():
            raise DomainError("must be a non-empty string", field=f"{where}.variable")
        if source not in SOURCES:
            raise DomainError(f"must be one of {', '.join(SOURCES)}, got {source!r}", field=f"{where}.source")
        if path is not None:
            json_path_steps(path, field=f"{where}.jsonPath")
        checked.append({"variable": variable, "source": source, "jsonPath": path})
    return checked


def default_mapping(variables: list[str]) -> list[dict]:
    """Variables named after a source read it whole; the others stay unfilled."""
    return [{"variable": name, "source": name, "jsonPath": None} for name in variables if name in SOURCES]


def experiment_attribute(target, source: str):
    """An experiment item's expected output or metadata, from the OTLP attributes its root observation keeps."""
    attributes = (getattr(target, "metadata", None) or {}).get("attributes")
    raw = attributes.get(EXPERIMENT_ATTRIBUTES[source]) if isinstance(attributes, dict) else None
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def measure(target, source: str) -> float | None:
    """The target's latency in seconds or cost in USD; None when it has none yet."""
    if isinstance(target, Observation):
        latency, cost = seconds_between(target.start_time, target.end_time), target.total_cost
    else:
        metrics = trace_metrics(project=target.project_id, trace_ids=[target.id]).get(target.id)
        latency, cost = (metrics.latency, metrics.total_cost) if metrics else (None, None)
    if source == "latency":
        return latency
    return None if cost is None else float(cost)


def variables_fill(*, mapping: list[dict], target) -> dict:
    """{variable: value} read from the target (a Trace or an Observation) as the mapping says."""
    values = {}
    for item in mapping:
        source = item["source"]
        value = None
        if source == "tool_calls":
            output = getattr(target, "output", None)
            value = output.get("tool_calls") if isinstance(output, dict) else None
        elif source in ("input", "output", "metadata"):
            value = getattr(target, source, None)
        elif source in ("latency", "cost"):
            value = measure(target, source)
        else:
            value = experiment_attribute(target, source)
        if item.get("jsonPath"):
            value = json_path_get(value, json_path_steps(item["jsonPath"], field="jsonPath"))
        values[item["variable"]] = value
    return values
