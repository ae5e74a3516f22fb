"""The prompt list's column table for the JSON `filter` (Langfuse SDK 5.x), searched as SQL LIKE patterns."""

from django.db.models import Exists, OuterRef, Q, Subquery

from aistrale.api.json_filter import Column, JsonFilter, Kind, Search
from prompts.models import LATEST_LABEL, PromptLabel, PromptVersion


def _has_label(name: str) -> Q:
    if name == LATEST_LABEL:
        newest = PromptVersion.objects.filter(prompt_id=OuterRef("prompt_id")).order_by("-version").values("version")
        return Q(version=Subquery(newest[:1]))
    return Q(Exists(PromptLabel.objects.filter(version=OuterRef("pk"), name=name)))


PROMPT_FILTER_COLUMNS = {
    "id": Column(Kind.STRING, "pk"),
    "name": Column(Kind.STRING, "prompt__name"),
    "type": Column(Kind.STRING, "type"),
    "version": Column(Kind.NUMBER, "version"),
    "createdAt": Column(Kind.DATETIME, "created_at"),
    "updatedAt": Column(Kind.DATETIME, "updated"),
    "labels": Column(Kind.ARRAY, "labels", has=_has_label),
    "tags": Column(Kind.ARRAY, "prompt__tags"),
    "config": Column(Kind.OBJECT, "config"),
}
PROMPT_FILTER = JsonFilter(PROMPT_FILTER_COLUMNS, search=Search.LIKE)
