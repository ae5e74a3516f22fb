"""The gateway's endpoints: thin views that answer every refusal in the provider's own error shape."""

import orjson
from django.http import JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from observability.gateway import proxy
from observability.gateway.auth import authenticate
from observability.gateway.limits import limit_get, limits_check
from observability.gateway.routing import plan_for
from observability.gateway.shapes import ANTHROPIC, OPENAI, GatewayError, Shape
from observability.gateway.tracing import Call


def request_time():
    """When the request arrived: the time its limits are counted at and its trace starts."""
    return timezone.now()


def error_response(shape: Shape, error: GatewayError) -> JsonResponse:
    response = JsonResponse(shape.error_body(error), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def _body(request) -> dict:
    try:
        body = orjson.loads(request.body or b"")
    except orjson.JSONDecodeError as error:
        raise GatewayError(400, f"body: not valid JSON ({error})", param="body") from error
    if not isinstance(body, dict):
        raise GatewayError(400, "body: must be a JSON object", param="body")
    return body


@method_decorator(csrf_exempt, name="dispatch")
class GatewayView(View):
    shape: Shape
    http_method_names = ["post"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        error = GatewayError(405, f"Method {request.method} not allowed: POST only")
        response = error_response(self.shape, error)
        response["Allow"] = "POST"
        return response

    def post(self, request):
        try:
            key = authenticate(request.headers)
            body = _body(request)
            self.shape.validate(body)
            plan = plan_for(project_id=key.project_id, alias=body["model"], shape=self.shape)
            now = request_time()
            limit = limit_get(project_id=key.project_id, public_key=key.public_key)
            limits_check(limit=limit, project_id=key.project_id, public_key=key.public_key, now=now)
            call = Call(
                project_id=key.project_id,
                public_key=key.public_key,
                shape=self.shape,
                route=plan.route,
                body=body,
                started_at=now,
            )
            return proxy.forward(call=call, plan=plan, headers=request.headers, environ=request.META)
        except GatewayError as error:
            return error_response(self.shape, error)


class ChatCompletionsView(GatewayView):
    shape = OPENAI


class MessagesView(GatewayView):
    shape = ANTHROPIC
