"""A browser's POST to batch ingestion, handed to the browser policy ahead of the rest of the middleware stack.

A measured hot path (bench/feedback.py): the POST a page sends with the public key alone is the browser
policy's to serve whole (observability.extensions), and it needs none of what the rest of the stack, URL
resolution and DRF do per request (sessions, the user, CSRF: the endpoint takes no cookie, messages, the
audit actor: it writes no audit event, the CSP: the API has none), which cost more than the policy itself.
The middleware sits after those whose work every answer keeps (Prometheus' request count, the body limit,
the HTTPS redirect and security headers, X-Frame-Options); it checks the host and sets Content-Length as
CommonMiddleware does, and answers an outage as OutageMiddleware does. Every other request goes down the
stack, where the view serves the same policy. (Prometheus' per-view figures do not count these posts.)
"""

from aistrale.api.authentication import public_key_alone
from aistrale.api.outage import unavailable_message, unavailable_response
from observability.extensions import browser_policy

INGESTION_PATH = "/api/public/ingestion"


class BrowserIngestionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        policy = browser_policy()
        if (
            policy is None
            or request.method != "POST"
            or request.path_info != INGESTION_PATH
            or public_key_alone(request) is None
        ):
            return self.get_response(request)
        request.get_host()
        try:
            response = policy.ingest(request)
        except Exception as error:
            message = unavailable_message(error)
            if message is None:
                raise
            response = unavailable_response(message, path=request.path)
        response["Content-Length"] = str(len(response.content))
        return response
