"""Who may call an endpoint: a secret key, or a public key alone where the view is browser-safe."""

from rest_framework.permissions import BasePermission

from aistrale.api.authentication import ProjectKeyAuth


class HasProjectKey(BasePermission):
    message = "This endpoint needs the project's secret key (Basic public:secret)."

    def has_permission(self, request, view):
        auth = request.auth
        if not isinstance(auth, ProjectKeyAuth):
            return False
        return not auth.public_key_only or getattr(view, "browser_safe", False)


class AllowAny(BasePermission):
    def has_permission(self, request, view):
        return True
