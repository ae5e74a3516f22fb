"""Project-scoped reads of observations: lists, filters by their trace, cursor pages and what a page links to."""

import base64
import binascii

import orjson
from django.db.models import Exists, OuterRef, Q, QuerySet

from aistrale.api.json_filter import datetime_value
from aistrale.errors import DomainError
from aistrale.limits import MAX_COUNT
from observability.models import Observation, Trace


def observation_list(*, project) -> QuerySet[Observation]:
    return Observation.objects.filter(project=project)


def observation_get(*, project, observation_id: str) -> Observation | None:
    return Observation.objects.filter(project=project, id=observation_id).first()


def observation_filter_by_user(queryset: QuerySet[Observation], user_id: str) -> QuerySet[Observation]:
    traces = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"), user_id=user_id)
    return queryset.filter(Exists(traces))


def observation_filter_by_session(queryset: QuerySet[Observation], session_id: str) -> QuerySet[Observation]:
    traces = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"), session_id=session_id)
    return queryset.filter(Exists(traces))


class InvalidCursor(ValueError):
    pass


def _cursor_encode(observation: Observation) -> str:
    position = {"t": observation.start_time.isoformat(), "k": observation.key}
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode()


def observation_page(queryset: QuerySet[Observation], *, cursor: str | None, limit: int):
    """A page newest first and the cursor of the next page (None on the last page)."""
    queryset = queryset.order_by("-start_time", "-key")
    if cursor:
        try:
            position = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
            start = datetime_value(position["t"], field="cursor")
            key = int(position["k"])
            if not 0 < key <= MAX_COUNT:
                raise ValueError(key)
        except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError, DomainError) as error:
            raise InvalidCursor("cursor: not a cursor returned by this endpoint") from error
        queryset = queryset.filter(Q(start_time__lt=start) | Q(start_time=start, key__lt=key))
    rows = list(queryset[: limit + 1])
    next_cursor = _cursor_encode(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def prompt_version_ids(*, project, observations) -> dict[tuple[str, int], str]:
    """PromptVersion ids for the (name, version) pairs these observations reference."""
    from prompts.models import PromptVersion

    pairs = {(o.prompt_name, o.prompt_version) for o in observations if o.prompt_name and o.prompt_version}
    if not pairs:
        return {}
    condition = Q()
    for name, version in pairs:
        condition |= Q(prompt__name=name, version=version)
    rows = PromptVersion.objects.filter(condition, project=project).values_list("prompt__name", "version", "id")
    return {(name, version): version_id for name, version, version_id in rows}
