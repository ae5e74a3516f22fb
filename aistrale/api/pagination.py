"""Langfuse page/limit pagination: {"data": [...], "meta": {page, limit, totalItems, totalPages}}.

Integer parameters stay within MAX_COUNT (a 64-bit database integer), and a page whose offset would
pass it is refused naming `page`.
"""

import math

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from aistrale.limits import MAX_COUNT

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


def positive_int_param(request, name: str, default: int, maximum: int = MAX_COUNT) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: f"must be a positive integer, got {raw!r}"}) from None
    if not 1 <= value <= maximum:
        raise ValidationError({name: f"must be at least 1 and at most {maximum}, got {value}"})
    return value


class LangfusePagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.limit = positive_int_param(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        self.page = positive_int_param(request, "page", 1, MAX_COUNT // self.limit)
        self.total = queryset.count()
        offset = (self.page - 1) * self.limit
        return self.rows(queryset, offset, offset + self.limit)

    def rows(self, queryset, start: int, stop: int) -> list:
        """The page's rows; a subclass may read them in a way cheaper for deep pages."""
        return list(queryset[start:stop])

    def get_paginated_response(self, data):
        return Response({"data": data, "meta": self.meta()})

    def meta(self) -> dict:
        return {
            "page": self.page,
            "limit": self.limit,
            "totalItems": self.total,
            "totalPages": math.ceil(self.total / self.limit) if self.total else 0,
        }
