"""The PublicApiError body of the SDK 5.x evaluators, evaluation-rules and unstable clients (langfuse/api/
evaluation_errors, langfuse/api/unstable/errors): the Langfuse {message, error} body plus a machine-readable
`code` and `details.issues` naming each field."""

from aistrale.api.base import ProjectApiView
from aistrale.api.errors import langfuse_exception_handler

CODES = {
    401: "authentication_failed",
    403: "access_denied",
    404: "resource_not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
}


def _issues(details, path: tuple = ()) -> list[dict]:
    """PublicApiValidationIssues from DRF's nested detail or a DomainError's {"a.b": [message]}."""
    if isinstance(details, dict):
        return [
            issue
            for key, value in details.items()
            for issue in _issues(value, (*path, *(str(key).split(".") if key != "non_field_errors" else ())))
        ]
    if isinstance(details, list):
        if all(isinstance(item, str) for item in details):
            return [{"code": "invalid_value", "message": str(item), "path": list(path)} for item in details]
        return [issue for index, item in enumerate(details) for issue in _issues(item, (*path, str(index)))]
    return [{"code": "invalid_value", "message": str(details), "path": list(path)}]


def public_api_exception_handler(exc, context):
    """Langfuse's error body with the PublicApiError `code` and validation `issues` added."""
    response = langfuse_exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    if status == 400:
        code = "invalid_query" if context["request"].method == "GET" else "invalid_body"
    else:
        code = CODES.get(status, "internal_error" if status >= 500 else "invalid_request")
    response.data["code"] = code
    if isinstance(response.data.get("details"), dict | list):
        response.data["details"] = {"issues": _issues(response.data["details"])}
    return response


class PublicApiErrorView(ProjectApiView):
    """A key-authenticated endpoint answering errors as PublicApiError."""

    def get_exception_handler(self):
        return public_api_exception_handler
