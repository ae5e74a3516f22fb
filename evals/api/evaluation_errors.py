"""The error body of the SDK 5.x evaluators and evaluation-rules clients (langfuse/api/evaluation_errors):
the Langfuse {message, error} body plus a machine-readable `code` and `details.issues` naming each field."""

from aistrale.api.base import ProjectApiView
from aistrale.api.errors import flatten_detail

CODES = {
    401: "authentication_failed",
    403: "access_denied",
    404: "resource_not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
}


def _issues(details) -> list[dict]:
    issues = []
    for line in flatten_detail(details):
        path, _, message = line.partition(": ")
        issues.append({"code": "invalid", "message": message or path, "path": path.split(".") if message else []})
    return issues


def evaluation_error_body(body: dict, *, status: int, method: str) -> dict:
    """`body` (the Langfuse error) with its PublicApiError code and issues."""
    if status == 400:
        code = "invalid_query" if method == "GET" else "invalid_body"
    else:
        code = CODES.get(status, "internal_error" if status >= 500 else "invalid_request")
    details = body.pop("details", None)
    return {**body, "code": code, **({"details": {"issues": _issues(details)}} if details else {})}


class EvaluationApiView(ProjectApiView):
    """A key-authenticated endpoint answering errors as PublicApiError."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(response.data, dict) and "message" in response.data:
            response.data = evaluation_error_body(
                dict(response.data), status=response.status_code, method=self.request.method
            )
        return response
