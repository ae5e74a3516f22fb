"""Reads of browser feedback: allowed origins, and the feedback scores of a project aggregated in the database.

Feedback is a score whose metadata carries the marker {"feedbackSource": "browser"}: the browser path stamps
it on every score it stores, and a server relaying its users' feedback may set it too. Positive: a BOOLEAN
score of 1 (thumbs up) or a NUMERIC one of 4 or more (stars out of 5); rated: BOOLEAN and NUMERIC feedback.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, FloatField, Max, Q, QuerySet
from django.db.models.functions import Cast, TruncDate

from aistrale.generation_tokens import token_current, tokens_read, tokens_shared
from evals.models import Score, ScoreDataType
from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE, FeedbackSettings

MAX_MEMOIZED_PROJECTS = 10_000
RATED = Q(data_type=ScoreDataType.BOOLEAN) | Q(data_type=ScoreDataType.NUMERIC)
POSITIVE = Q(data_type=ScoreDataType.BOOLEAN, value=1) | Q(data_type=ScoreDataType.NUMERIC, value__gte=4)


def origins_token_name(project_id) -> str:
    """The generation token of a project's allowed origins, bumped by feedback_settings_update."""
    return f"feedback-origins:{project_id}"


_origins_memo: dict[str, tuple[bytes, frozenset[str]]] = {}


def _origins_stored(project_id) -> frozenset[str]:
    found = FeedbackSettings.objects.filter(project_id=project_id).values_list("allowed_origins", flat=True).first()
    return frozenset((found or "").split())


def project_origins(*, project_id) -> frozenset[str]:
    """The project's allowed origins: memoized per process while their generation token holds (Redis), else read."""
    if not tokens_shared():
        return _origins_stored(project_id)
    name = origins_token_name(project_id)
    [read] = tokens_read([name])
    known = _origins_memo.get(project_id)
    if known is not None and read is not None and known[0] == read:
        return known[1]
    token = token_current(name, read)
    origins = _origins_stored(project_id)
    if len(_origins_memo) >= MAX_MEMOIZED_PROJECTS:
        _origins_memo.clear()
    _origins_memo[project_id] = (token, origins)
    return origins


def origin_allowed(*, project_id, origin: str) -> bool:
    """May pages of this origin post feedback to this project?"""
    return origin in project_origins(project_id=project_id)


def origin_allowed_anywhere(*, origin: str) -> bool:
    """Does some project let pages of this origin post feedback? (A preflight carries no key to tell which.)"""
    candidates = FeedbackSettings.objects.filter(allowed_origins__contains=origin).values_list(
        "allowed_origins", flat=True
    )
    return any(origin in text.split() for text in candidates)


def feedback_score_list(*, project) -> QuerySet[Score]:
    """The project's feedback scores."""
    return Score.objects.filter(project=project, **{f"metadata__{FEEDBACK_MARKER_KEY}": FEEDBACK_MARKER_VALUE})


def feedback_for_range(*, project, start: dt.datetime, end: dt.datetime) -> QuerySet[Score]:
    return feedback_score_list(project=project).filter(timestamp__gte=start, timestamp__lt=end)


def _counts() -> dict:
    return {
        "volume": Count("key"),
        "rated": Count("key", filter=RATED),
        "positive": Count("key", filter=POSITIVE),
    }


@dataclass(frozen=True)
class FeedbackDay:
    day: dt.date
    volume: int
    rated: int
    positive: int

    @property
    def positive_rate(self) -> float | None:
        return self.positive / self.rated if self.rated else None


def feedback_positive_rate(*, scores: QuerySet[Score]) -> float | None:
    """The positive share of the rated feedback among these scores (None: none rated)."""
    counts = scores.aggregate(rated=Count("key", filter=RATED), positive=Count("key", filter=POSITIVE))
    return counts["positive"] / counts["rated"] if counts["rated"] else None


def feedback_daily(*, project, start: dt.datetime, end: dt.datetime) -> list[FeedbackDay]:
    """Volume, rated and positive feedback per UTC day with feedback, oldest first (one query)."""
    rows = (
        feedback_for_range(project=project, start=start, end=end)
        .annotate(day=TruncDate("timestamp"))
        .values("day")
        .annotate(**_counts())
        .order_by("day")
    )
    return [FeedbackDay(**row) for row in rows]


def feedback_totals(*, project, start: dt.datetime, end: dt.datetime) -> FeedbackDay:
    totals = feedback_for_range(project=project, start=start, end=end).aggregate(**_counts())
    return FeedbackDay(day=start.date(), **totals)


def feedback_worst_traces(*, project, start: dt.datetime, end: dt.datetime, limit: int = 10) -> list[dict]:
    """The traces with the lowest positive rate among their rated feedback, most rated first on ties."""
    return list(
        feedback_for_range(project=project, start=start, end=end)
        .filter(RATED, trace_id__isnull=False)
        .values("trace_id")
        .annotate(rated=Count("key"), positive=Count("key", filter=POSITIVE), last=Max("timestamp"))
        .annotate(rate=Cast(F("positive"), FloatField()) / Cast(F("rated"), FloatField()))
        .order_by("rate", "-rated", "-last", "trace_id")[:limit]
    )


def feedback_comments(*, project, start: dt.datetime, end: dt.datetime, limit: int = 50) -> QuerySet[Score]:
    """The newest feedback that carries a comment."""
    return (
        feedback_for_range(project=project, start=start, end=end)
        .filter(comment__isnull=False)
        .exclude(comment="")
        .order_by("-timestamp", "-key")[:limit]
    )


def feedback_for_trace(*, project, trace_id: str) -> list[Score]:
    """The feedback on one trace (and its observations), newest first."""
    return list(feedback_score_list(project=project).filter(trace_id=trace_id).order_by("-timestamp", "-key"))


def positive(score: Score) -> bool | None:
    """Is this feedback positive (None: not a rating)?"""
    if score.data_type == ScoreDataType.BOOLEAN:
        return score.value == 1
    if score.data_type == ScoreDataType.NUMERIC:
        return score.value is not None and score.value >= 4
    return None
