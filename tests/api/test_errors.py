"""DomainError becomes the Langfuse error body, the field named by its wire name."""

from aistrale.api.errors import langfuse_exception_handler, wire_name
from aistrale.errors import DomainError


def test_wire_names():
    assert wire_name("match_pattern") == "matchPattern"
    assert wire_name("name") == "name"


def test_domain_errors_map_to_the_langfuse_body():
    response = langfuse_exception_handler(DomainError("is required", field="model_name"), {})
    assert response.status_code == 400
    assert response.data == {
        "message": "modelName: is required",
        "error": "InvalidRequestError",
        "details": {"modelName": ["is required"]},
    }
    response = langfuse_exception_handler(DomainError("Prompt 'x' not found", status=404), {})
    assert response.status_code == 404 and response.data["error"] == "LangfuseNotFoundError"
    assert "details" not in response.data


def test_validation_errors_carry_details_only_per_field():
    from rest_framework.exceptions import ValidationError

    response = langfuse_exception_handler(ValidationError({"traceIds": ["must be a list"]}), {})
    assert response.data["details"] == {"traceIds": ["must be a list"]}
    response = langfuse_exception_handler(ValidationError("either pricingTiers or inputPrice is required"), {})
    assert response.data == {"message": "either pricingTiers or inputPrice is required", "error": "InvalidRequestError"}
