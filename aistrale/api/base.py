"""The base views of every key-authenticated endpoint: body problems raised, writes attributed to the key."""

from contextlib import ExitStack

from rest_framework.generics import ListAPIView
from rest_framework.views import APIView

from aistrale.api.request_body import raise_body_problem
from aistrale.tenancy.audit import acting_as, client_ip


class ProjectApiMixin:
    """An endpoint called with a project's API key; audit events written inside it name that key."""

    def dispatch(self, request, *args, **kwargs):
        with ExitStack() as self.request_scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        raise_body_problem(request)
        super().initial(request, *args, **kwargs)
        if request.auth is not None:
            label = f"API key {request.auth.public_key}"
            self.request_scope.enter_context(acting_as(label=label, ip=client_ip(request)))


class ProjectApiView(ProjectApiMixin, APIView):
    pass


class ProjectListApiView(ProjectApiMixin, ListAPIView):
    pass
