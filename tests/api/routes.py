"""The routes of our URLconf, flattened, for the tests that compare them with an OpenAPI document."""

import re

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


def routes(patterns, prefix="/"):
    """(route, callback) of every URL pattern, nested includes flattened."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def public_api_patterns() -> dict[str, tuple[str, URLPattern]]:
    """{schema path: (route, pattern)} of every path-converter route under /api/public/, as the resolver holds them."""
    found = {}
    for route, pattern in routes(get_resolver().url_patterns):
        if route.startswith("/api/public/") and isinstance(pattern.pattern, RoutePattern):
            found[re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)] = (route, pattern)
    return found


def public_api_routes() -> dict[str, str]:
    """{schema path: route} of every path-converter route under /api/public/."""
    return {path: route for path, (route, _) in public_api_patterns().items()}
