"""The unguessable link of a public trace: a signed token of (project id, trace id).

The signature (HMAC with SECRET_KEY) makes a link impossible to forge for another trace or project; the trace's
`public` flag, read on every request, decides whether it opens, so making a trace private revokes it at once.
Making it public again revives the same link. Rotating SECRET_KEY invalidates every link.
"""

from django.core import signing
from django.urls import reverse

from observability.models import Trace

SALT = "observability.public-trace"


def trace_public_token(trace: Trace) -> str:
    return signing.Signer(salt=SALT).sign_object([trace.project_id, trace.id], compress=True)


def trace_public_path(trace: Trace) -> str:
    return reverse("observability_public_trace", args=[trace_public_token(trace)])


def trace_get_public(*, token: str) -> Trace | None:
    """The public trace this token names, or None (bad signature, unknown trace, or not public)."""
    try:
        project_id, trace_id = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Trace.objects.filter(project_id=project_id, id=trace_id, public=True).first()
