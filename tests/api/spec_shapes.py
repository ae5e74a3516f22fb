"""The Langfuse reference spec as strict JSON Schemas, the GET endpoints we share with it, and the installed SDK's
own response types, for the response-shape test.

Strict: every property a schema lists must be present (null when unset), whether the spec marks it required
or not, except the ones the spec itself documents as omitted ("Omitted if/when ...") and NOT_SENT.
"""

import ast
import re
from datetime import datetime
from functools import cache
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings
from django.urls import Resolver404, resolve

from aistrale.api.views import api_not_found
from tests.api.routes import public_api_patterns

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "langfuse-openapi.yml"
COMPONENTS = "#/components/schemas/"
DOCUMENTED_AS_OMITTED = re.compile(r"\bomitted (if|when)\b", re.IGNORECASE)
# Listed properties Langfuse self-hosted does not send: `_deprecation` is stamped on Langfuse Cloud responses only.
NOT_SENT = frozenset({"_deprecation"})
# Prompt content: chat messages read back as the client stored them, nothing added.
CONTENT_SCHEMAS = frozenset({"ChatMessage", "PlaceholderMessage"})
_TEXT = {"type": "string", "nullable": True}
_COUNT = {"type": "integer"}
_TIME = {"type": "string", "format": "date-time"}
# Fields the Langfuse server returns (and older clients read) that the reference spec does not list, or that the
# 5.x SDK reads beyond it; checked as strictly as the listed ones.
LANGFUSE_FIELDS = {
    "Trace": {
        "externalId": _TEXT,
        "projectId": {"type": "string"},
        "bookmarked": {"type": "boolean"},
        "createdAt": _TIME,
        "updatedAt": _TIME,
    },
    "Observation": {
        "projectId": {"type": "string"},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "promptTokens": _COUNT,
        "completionTokens": _COUNT,
        "totalTokens": _COUNT,
        "unit": _TEXT,
        "usagePricingTierName": _TEXT,
        "usagePricingTierId": _TEXT,
    },
    "BaseScoreV1": {"projectId": {"type": "string"}, "stringValue": _TEXT, "executionTraceId": _TEXT},
    "BaseScore": {"projectId": {"type": "string"}, "stringValue": _TEXT, "executionTraceId": _TEXT},
    "ObservationV2": {"model": _TEXT},
    "DatasetItem": {"version": _TIME},
}
DROPPED_KEYWORDS = {"nullable", "discriminator", "example", "examples", "description", "title", "format"}

format_checker = jsonschema.FormatChecker()


@format_checker.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    """An ISO 8601 timestamp with a time zone (the SDKs parse it into an aware datetime)."""
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@cache
def spec() -> dict:
    return yaml.load(REFERENCE.read_text(), Loader=yaml.CSafeLoader)


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def converted(node, *, strict: bool):
    """An OpenAPI 3.0 schema node as JSON Schema: nullable as a null type, $ref into $defs, strict required."""
    if isinstance(node, list):
        return [converted(item, strict=strict) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = {"$ref": "#/$defs/" + node["$ref"].removeprefix(COMPONENTS)}
        return {"anyOf": [ref, {"type": "null"}]} if node.get("nullable") else ref
    out = {key: converted(value, strict=strict) for key, value in node.items() if key not in DROPPED_KEYWORDS}
    if node.get("format") == "date-time":
        out["format"] = "date-time"
    if "properties" in node:
        out["properties"] = {name: converted(prop, strict=strict) for name, prop in node["properties"].items()}
        if strict:
            out["required"] = sorted(
                name
                for name, prop in node["properties"].items()
                if name not in NOT_SENT
                and not DOCUMENTED_AS_OMITTED.search(prop.get("description", "") if isinstance(prop, dict) else "")
            )
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif {"allOf", "oneOf", "anyOf"} & out.keys():
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _with_langfuse_fields(name: str, schema: dict) -> dict:
    added = LANGFUSE_FIELDS.get(name)
    return {**schema, "properties": {**schema.get("properties", {}), **added}} if added else schema


@cache
def _definitions(strict: bool) -> dict:
    return {
        name: converted(_with_langfuse_fields(name, schema), strict=strict and name not in CONTENT_SCHEMAS)
        for name, schema in spec()["components"]["schemas"].items()
    }


def response_schema(path: str, *, strict: bool = True) -> dict:
    """The JSON Schema of the 200 body of GET `path` (a spec path), components under $defs."""
    body = spec()["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return {"$defs": _definitions(strict), **converted(body, strict=strict)}


def _error_lines(error, depth: int = 0) -> list[str]:
    lines = [f"{'  ' * depth}{error.json_path}: {error.message[:300]}"]
    if error.context and depth < 3:
        deepest = max(len(sub.absolute_path) for sub in error.context)
        for sub in [sub for sub in error.context if len(sub.absolute_path) == deepest][:6]:
            lines += _error_lines(sub, depth + 1)
    return lines


def schema_violations(body, schema: dict) -> list[str]:
    """Every place `body` breaks `schema`, as `$.path: message` lines (oneOf branches indented below)."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=format_checker)
    return [line for error in validator.iter_errors(body) for line in _error_lines(error)]


def _markers(path: str) -> dict[str, str]:
    return {name: f"zz-{name}-zz" for name in re.findall(r"\{([^}]+)\}", path)}


def _answers_get(view) -> bool:
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return view_class is None or hasattr(view_class, "get")


def routes_get(path: str) -> bool:
    """Whether our URLconf routes GET `path` (a spec path) to a view of its own: a route of the same shape
    (whatever its converters), or one that resolves the path with each parameter as one segment."""
    shaped = {normalized(route): pattern for route, (_, pattern) in public_api_patterns().items()}
    if normalized(path) in shaped:
        return _answers_get(shaped[normalized(path)].callback)
    markers = _markers(path)
    try:
        match = resolve(path.format(**markers))
    except Resolver404:
        return False
    if match.func is api_not_found or sorted(match.kwargs.values()) != sorted(markers.values()):
        return False
    return _answers_get(match.func)


def shared_get_paths() -> list[str]:
    """Every GET path of the reference spec with a 200 JSON body that our URLconf routes."""
    return [
        path
        for path, item in spec()["paths"].items()
        if "get" in item
        and "application/json" in item["get"]["responses"].get("200", {}).get("content", {})
        and routes_get(path)
    ]


def _path_template(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def _get_requests(tree: ast.Module):
    """(path template, type_ expression of the first parse) of each GET request of the sync raw clients."""
    for klass in tree.body:
        if not isinstance(klass, ast.ClassDef) or klass.name.startswith("Async"):
            continue
        for function in klass.body:
            if not isinstance(function, ast.FunctionDef):
                continue
            calls = sorted(
                (node for node in ast.walk(function) if isinstance(node, ast.Call)),
                key=lambda node: (node.lineno, node.col_offset),
            )
            request = next(
                (
                    call
                    for call in calls
                    if isinstance(call.func, ast.Attribute)
                    and call.func.attr == "request"
                    and any(k.arg == "method" and getattr(k.value, "value", None) == "GET" for k in call.keywords)
                ),
                None,
            )
            parse = next(
                (k.value for call in calls for k in call.keywords if k.arg == "type_" and request is not None), None
            )
            if request is not None and request.args and parse is not None:
                template = _path_template(request.args[0])
                if template is not None:
                    yield template, parse


@cache
def sdk_response_types() -> dict[str, object]:
    """{normalized path: the type the installed langfuse SDK parses the 200 body of GET path into}."""
    import importlib

    import langfuse.api

    root = Path(langfuse.api.__file__).parent
    found = {}
    for file in sorted(root.rglob("raw_client.py")):
        module = importlib.import_module("langfuse.api." + ".".join(file.relative_to(root).with_suffix("").parts))
        for template, expression in _get_requests(ast.parse(file.read_text())):
            code = compile(ast.Expression(expression), str(file), "eval")
            found["/" + normalized(template)] = eval(code, vars(module))
    return found


def sdk_parse(path: str, body):
    """The installed SDK's model of GET `path`'s body, parsed by the SDK's own parser; None if it reads no such path."""
    from langfuse.api.core.pydantic_utilities import parse_obj_as

    type_ = sdk_response_types().get(normalized(path))
    return None if type_ is None else parse_obj_as(type_, body)


def _listed_properties(name: str) -> set[str]:
    schema = spec()["components"]["schemas"].get(name, {})
    listed = set(schema.get("properties", {})) | set(LANGFUSE_FIELDS.get(name, {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            listed |= _listed_properties(part["$ref"].removeprefix(COMPONENTS))
    return listed


def _wire_name(name: str, field) -> str:
    return next((item.alias for item in field.metadata if getattr(item, "alias", None)), field.alias or name)


def sdk_fields_beyond_spec(path: str) -> dict[str, set[str]]:
    """{SDK model: wire fields it reads that neither the spec nor LANGFUSE_FIELDS list} for GET `path`'s body."""
    import typing

    import pydantic

    beyond, seen = {}, set()

    def walk(annotation):
        for argument in typing.get_args(annotation):
            walk(argument)
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel) and annotation not in seen:
            seen.add(annotation)
            listed = _listed_properties(annotation.__name__)
            read = {_wire_name(name, field) for name, field in annotation.model_fields.items()}
            if listed and read - listed:
                beyond[annotation.__name__] = read - listed
            for field in annotation.model_fields.values():
                walk(field.annotation)

    walk(sdk_response_types().get(normalized(path)))
    return beyond
