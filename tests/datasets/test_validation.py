"""Items are checked against their dataset's JSON Schemas; the error names the path that failed."""

import pytest

from aistrale.errors import DomainError
from datasets.models import Dataset
from datasets.validation import item_check, schema_check

SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string"}, "turns": {"type": "array", "items": {"type": "integer"}}},
    "required": ["question"],
}


def test_an_item_matching_the_schema_passes():
    item_check(Dataset(input_schema=SCHEMA), input={"question": "q", "turns": [1, 2]}, expected_output="anything")


@pytest.mark.parametrize(
    ("value", "path"),
    [({"turns": []}, "$"), ({"question": "q", "turns": [1, "two"]}, "$.turns[1]"), ("text", "$")],
)
def test_an_item_breaking_the_input_schema_names_the_path(value, path):
    with pytest.raises(DomainError) as error:
        item_check(Dataset(input_schema=SCHEMA), input=value, expected_output=None)
    assert error.value.field == "input"
    assert f"input schema at {path}:" in error.value.message


def test_the_expected_output_schema_is_checked_too():
    with pytest.raises(DomainError) as error:
        item_check(Dataset(expected_output_schema={"type": "number"}), input=None, expected_output="7")
    assert error.value.field == "expected_output"
    assert "'7' is not of type 'number'" in error.value.message


def test_an_invalid_schema_is_refused():
    with pytest.raises(DomainError) as error:
        schema_check({"type": "no-such-type"}, field="input_schema")
    assert error.value.field == "input_schema"
    schema_check(SCHEMA, field="input_schema")
