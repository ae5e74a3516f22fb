"""Deterministic evaluators: checks that call no model, configured by `check_config` = {"kind": ..., options}.

No check runs user code: a regex goes through `re` (pattern length capped), a JSON schema through
jsonschema, string similarity through rapidfuzz. `check_config_validate` is what the services call before a
version is written; `deterministic_run` is the run registered for EvaluatorType.DETERMINISTIC.

Variables each kind reads: `output` (all but the thresholds), `expected_output` (exact_match, levenshtein,
numeric_tolerance, and contains without a `value`), `latency` in seconds and `cost` in USD (the thresholds,
as a rule maps them from the trace or observation).
"""

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import jsonschema
from rapidfuzz.distance import Levenshtein

from aistrale.errors import DomainError
from evals.evaluators.variables import as_text
from evals.evaluators.verdicts import Verdict
from evals.models import EvaluatorVersion, ScoreDataType

MAX_PATTERN_LENGTH = 1000
FIELD = "check_config"


@dataclass(frozen=True)
class Outcome:
    value: float
    comment: str


@dataclass(frozen=True)
class Check:
    """One kind: its option rules, the variables it reads, the score type it gives and how it decides."""

    options: Callable[[dict], dict]
    variables: Callable[[dict], list[str]]
    data_type: Callable[[dict], str]
    decide: Callable[[dict, dict], Outcome]


def _flag(config: dict, name: str, default: bool) -> bool:
    value = config.get(name, default)
    if not isinstance(value, bool):
        raise DomainError(f"must be true or false, got {value!r}", field=f"{FIELD}.{name}")
    return value


def _number(config: dict, name: str, *, low: float | None = None, high: float | None = None, required=True):
    value = config.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DomainError(f"must be a finite number, got {value!r}", field=f"{FIELD}.{name}")
    if low is not None and high is None and value < low:
        raise DomainError(f"must be at least {low}, got {value}", field=f"{FIELD}.{name}")
    if high is not None and not low <= value <= high:
        raise DomainError(f"must be within [{low}, {high}], got {value}", field=f"{FIELD}.{name}")
    return value


def _text(value, *, case_sensitive: bool, strip: bool) -> str:
    text = as_text(value)
    text = text.strip() if strip else text
    return text if case_sensitive else text.casefold()


def _present(variables: dict, name: str):
    if variables.get(name) is None:
        raise DomainError(f"this check needs the {name!r} variable, which is missing", field=f"variables.{name}")
    return variables[name]


def _as_number(value, name: str) -> float:
    if isinstance(value, bool):
        raise DomainError(f"{name} is {value!r}, not a number", field=f"variables.{name}")
    try:
        number = float(value if isinstance(value, int | float) else as_text(value).strip())
    except ValueError:
        raise DomainError(f"{name} is {as_text(value)[:80]!r}, not a number", field=f"variables.{name}") from None
    if not math.isfinite(number):
        raise DomainError(f"{name} is {number}, not a finite number", field=f"variables.{name}")
    return number


def _text_options(config: dict) -> dict:
    return {"case_sensitive": _flag(config, "case_sensitive", True), "strip": _flag(config, "strip", True)}


def _exact_match(options: dict, variables: dict) -> Outcome:
    output = _text(_present(variables, "output"), case_sensitive=options["case_sensitive"], strip=options["strip"])
    expected = _text(
        _present(variables, "expected_output"), case_sensitive=options["case_sensitive"], strip=options["strip"]
    )
    same = output == expected
    return Outcome(float(same), "the output equals the expected output" if same else "the output differs")


def _contains_options(config: dict) -> dict:
    options = _text_options(config)
    value = config.get("value")
    if value is not None and (not isinstance(value, str) or not value):
        raise DomainError(f"must be a non-empty string, got {value!r}", field=f"{FIELD}.value")
    return {**options, "value": value}


def _contains(options: dict, variables: dict) -> Outcome:
    needle = options["value"] if options["value"] is not None else _present(variables, "expected_output")
    needle = _text(needle, case_sensitive=options["case_sensitive"], strip=options["strip"])
    output = _text(_present(variables, "output"), case_sensitive=options["case_sensitive"], strip=False)
    found = needle in output
    return Outcome(float(found), f"the output {'contains' if found else 'does not contain'} {needle[:80]!r}")


def _regex_options(config: dict) -> dict:
    pattern = config.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise DomainError("must be a non-empty string", field=f"{FIELD}.pattern")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise DomainError(f"must be at most {MAX_PATTERN_LENGTH} characters", field=f"{FIELD}.pattern")
    ignore_case = _flag(config, "ignore_case", False)
    full_match = _flag(config, "full_match", False)
    try:
        re.compile(pattern)
    except re.error as error:
        raise DomainError(f"is not a valid regular expression: {error}", field=f"{FIELD}.pattern") from None
    return {"pattern": pattern, "ignore_case": ignore_case, "full_match": full_match}


def _regex(options: dict, variables: dict) -> Outcome:
    pattern = re.compile(options["pattern"], re.IGNORECASE if options["ignore_case"] else 0)
    output = as_text(_present(variables, "output"))
    found = (pattern.fullmatch if options["full_match"] else pattern.search)(output) is not None
    return Outcome(float(found), f"the output {'matches' if found else 'does not match'} /{options['pattern']}/")


def _json_options(config: dict) -> dict:
    schema = config.get("schema")
    if schema is not None:
        if not isinstance(schema, dict):
            raise DomainError("must be a JSON Schema object", field=f"{FIELD}.schema")
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as error:
            raise DomainError(f"is not a valid JSON Schema: {error.message}", field=f"{FIELD}.schema") from None
    return {"schema": schema}


def _json_valid(options: dict, variables: dict) -> Outcome:
    output = _present(variables, "output")
    if isinstance(output, str):
        try:
            output = json.loads(output)
        except json.JSONDecodeError as error:
            return Outcome(0.0, f"the output is not valid JSON: {error.msg} at position {error.pos}")
    if options["schema"] is None:
        return Outcome(1.0, "the output is valid JSON")
    validator = jsonschema.validators.validator_for(options["schema"])(options["schema"])
    error = jsonschema.exceptions.best_match(validator.iter_errors(output))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        return Outcome(0.0, f"the output breaks the schema at {where}: {error.message}")
    return Outcome(1.0, "the output conforms to the schema")


def _threshold_options(config: dict) -> dict:
    return {"threshold": _number(config, "threshold", low=0, high=1, required=False)}


def _levenshtein(options: dict, variables: dict) -> Outcome:
    output = as_text(_present(variables, "output"))
    expected = as_text(_present(variables, "expected_output"))
    similarity = Levenshtein.normalized_similarity(output, expected)
    threshold = options["threshold"]
    if threshold is None:
        return Outcome(similarity, f"Levenshtein similarity {similarity:.4f}")
    passed = similarity >= threshold
    return Outcome(float(passed), f"Levenshtein similarity {similarity:.4f} {'≥' if passed else '<'} {threshold}")


def _tolerance_options(config: dict) -> dict:
    return {"tolerance": _number(config, "tolerance", low=0), "relative": _flag(config, "relative", False)}


def _numeric_tolerance(options: dict, variables: dict) -> Outcome:
    output = _as_number(_present(variables, "output"), "output")
    expected = _as_number(_present(variables, "expected_output"), "expected_output")
    allowed = options["tolerance"] * (abs(expected) if options["relative"] else 1)
    passed = abs(output - expected) <= allowed
    return Outcome(float(passed), f"|{output:g} - {expected:g}| = {abs(output - expected):g}, allowed {allowed:g}")


def _maximum_options(name: str) -> Callable[[dict], dict]:
    return lambda config: {name: _number(config, name, low=0)}


def _at_most(variable: str, option: str, unit: str) -> Callable[[dict, dict], Outcome]:
    def decide(options: dict, variables: dict) -> Outcome:
        measured = _as_number(_present(variables, variable), variable)
        passed = measured <= options[option]
        return Outcome(
            float(passed), f"{variable} {measured:g}{unit} {'≤' if passed else '>'} {options[option]:g}{unit}"
        )

    return decide


def _fixed(*names: str) -> Callable[[dict], list[str]]:
    return lambda options: list(names)


def _boolean(options: dict) -> str:
    return ScoreDataType.BOOLEAN


def _boolean_with_threshold(options: dict) -> str:
    return ScoreDataType.NUMERIC if options["threshold"] is None else ScoreDataType.BOOLEAN


CHECKS: dict[str, Check] = {
    "exact_match": Check(_text_options, _fixed("output", "expected_output"), _boolean, _exact_match),
    "contains": Check(
        _contains_options,
        lambda options: ["output"] if options["value"] is not None else ["output", "expected_output"],
        _boolean,
        _contains,
    ),
    "regex": Check(_regex_options, _fixed("output"), _boolean, _regex),
    "json_valid": Check(_json_options, _fixed("output"), _boolean, _json_valid),
    "levenshtein": Check(
        _threshold_options, _fixed("output", "expected_output"), _boolean_with_threshold, _levenshtein
    ),
    "numeric_tolerance": Check(_tolerance_options, _fixed("output", "expected_output"), _boolean, _numeric_tolerance),
    "latency_threshold": Check(
        _maximum_options("max_seconds"), _fixed("latency"), _boolean, _at_most("latency", "max_seconds", "s")
    ),
    "cost_threshold": Check(
        _maximum_options("max_cost"), _fixed("cost"), _boolean, _at_most("cost", "max_cost", " USD")
    ),
}


def _check_of(config) -> Check:
    if not isinstance(config, dict):
        raise DomainError("must be an object with a kind", field=FIELD)
    kind = config.get("kind")
    if kind not in CHECKS:
        raise DomainError(f"must be one of {', '.join(CHECKS)}, got {kind!r}", field=f"{FIELD}.kind")
    return CHECKS[kind]


def check_config_validate(config) -> dict:
    """The config with its options checked and defaults filled; DomainError naming the option otherwise."""
    check = _check_of(config)
    options = check.options(config)
    unknown = set(config) - {"kind", *options}
    if unknown:
        raise DomainError(f"unknown options {sorted(unknown)} for {config['kind']}", field=FIELD)
    return {"kind": config["kind"], **options}


def check_variables(config: dict) -> list[str]:
    return _check_of(config).variables(config)


def check_data_type(config: dict) -> str:
    return _check_of(config).data_type(config)


def deterministic_run(*, version: EvaluatorVersion, variables: dict, trace_metadata: dict | None = None) -> Verdict:
    config = version.check_config or {}
    check = _check_of(config)
    outcome = check.decide(config, variables)
    data_type = check.data_type(config)
    string_value = ("True" if outcome.value else "False") if data_type == ScoreDataType.BOOLEAN else None
    return Verdict(
        score_name=version.score_name,
        data_type=data_type,
        value=outcome.value,
        string_value=string_value,
        comment=outcome.comment,
    )
