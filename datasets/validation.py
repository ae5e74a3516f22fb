"""Dataset item checks against the dataset's JSON Schemas (jsonschema, the draft each schema declares)."""

import jsonschema

from aistrale.errors import DomainError


def schema_check(schema: dict | None, *, field: str) -> None:
    """Refuse a dataset schema that is not a valid JSON Schema."""
    if schema is None:
        return
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as error:
        raise DomainError(f"{field} is not a valid JSON Schema: {error.message}", field=field) from error


def _path(error: jsonschema.ValidationError) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)


def item_check(dataset, *, input, expected_output) -> None:
    """Refuse an item whose input or expected output breaks the dataset's schema, naming the path that failed."""
    for field, schema, value in (
        ("input", dataset.input_schema, input),
        ("expected_output", dataset.expected_output_schema, expected_output),
    ):
        if schema is None:
            continue
        validator = jsonschema.validators.validator_for(schema)(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
        if error is not None:
            raise DomainError(
                f"{field} does not match the dataset's {field} schema at {_path(error)}: {error.message}", field=field
            )
