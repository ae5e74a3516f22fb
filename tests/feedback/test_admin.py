"""The feedback admin: settings edited through the service, the overview's figures, the trace page panel."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aistrale.tenancy.models import Role
from evals.models import Score, ScoreDataType
from feedback.models import FeedbackSettings
from feedback.selectors.feedback import feedback_daily, feedback_worst_traces
from tests.feedback.factories import feedback_score
from tests.observability.factories import make_trace
from tests.query_counts import assert_queries_constant, queries_of, rows_of

pytestmark = pytest.mark.django_db
OVERVIEW_URL = "/admin/feedback/feedbacksettings/overview/"


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_an_owner_sets_allowed_origins_in_the_admin(owner_client, project):
    response = owner_client.post(
        reverse("admin:feedback_feedbacksettings_add"),
        {"project": project.pk, "allowed_origins": "https://App.example.com\nhttp://localhost:3000"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert FeedbackSettings.objects.get(project=project).origins == ["https://app.example.com", "http://localhost:3000"]


def test_a_bad_origin_is_a_form_error_naming_it(owner_client, project):
    response = owner_client.post(
        reverse("admin:feedback_feedbacksettings_add"), {"project": project.pk, "allowed_origins": "app.example.com"}
    )

    assert response.status_code == 200
    assert "&#x27;app.example.com&#x27; is not an origin" in response.content.decode()
    assert not FeedbackSettings.objects.filter(project=project).exists()


def test_a_member_sees_settings_but_cannot_change_them(client, make_user, project):
    client.force_login(make_user("mia", project=project, role=Role.MEMBER))

    assert client.get(reverse("admin:feedback_feedbacksettings_changelist")).status_code == 200
    assert client.get(reverse("admin:feedback_feedbacksettings_add")).status_code == 403


def test_overview_counts_volume_and_positive_rate_per_day(member_client, project, other_project):
    today = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = today - dt.timedelta(days=1)
    feedback_score(project, value=1, when=today)
    feedback_score(project, value=0, when=today, comment="the answer ignored my order number")
    feedback_score(project, value=5, data_type=ScoreDataType.NUMERIC, when=today)
    feedback_score(project, value=2, data_type=ScoreDataType.NUMERIC, when=yesterday)
    feedback_score(other_project, value=0, when=today, comment="another project's comment")
    Score.objects.create(project=project, id="api", trace_id="t1", name="q", value=0, timestamp=today)

    response = member_client.get(OVERVIEW_URL, {"days": 7})

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["volume"] == 4
    assert response.context["positive_rate"] == "50%"
    rows = {row["day"]: row for row in response.context["day_rows"]}
    assert (rows[today.date()]["volume"], rows[today.date()]["positive"]) == (3, "67%")
    assert (rows[yesterday.date()]["volume"], rows[yesterday.date()]["positive"]) == (1, "0%")
    assert len(response.context["day_rows"]) == 7
    assert "the answer ignored my order number" in page
    assert "another project&#x27;s comment" not in page


def test_worst_rated_traces_come_first_and_link_to_the_trace(member_client, project):
    trace = make_trace(project, "bad", name="refund")
    for value in (0, 0, 1):
        feedback_score(project, trace_id="bad", value=value)
    feedback_score(project, trace_id="good", value=1)
    feedback_score(project, trace_id="meh", value=0)

    response = member_client.get(OVERVIEW_URL)

    worst = response.context["worst"]
    assert [row["trace_id"] for row in worst] == ["meh", "bad", "good"]
    assert worst[1]["positive_rate"] == "33%"
    assert worst[1]["url"] == reverse("admin:observability_trace_change", args=[trace.key])
    assert worst[0]["url"] is None


def test_overview_range_excludes_older_feedback(member_client, project):
    feedback_score(project, when=timezone.now() - dt.timedelta(days=10))

    assert member_client.get(OVERVIEW_URL, {"days": 7}).context["volume"] == 0
    assert member_client.get(OVERVIEW_URL, {"days": 30}).context["volume"] == 1


def test_overview_shows_only_the_users_projects(member_client, other_project):
    assert member_client.get(OVERVIEW_URL, {"project": other_project.pk}).status_code == 404


def test_overview_of_a_user_without_projects_is_refused(client, make_user):
    client.force_login(make_user("nobody"))

    assert client.get(OVERVIEW_URL).status_code == 403


def test_overview_query_count_does_not_grow_with_feedback(member_client, project):
    def one(index):
        make_trace(project, f"trace-{index}")
        feedback_score(project, trace_id=f"trace-{index}", value=index % 2, comment=f"comment {index}")

    assert_queries_constant(lambda: member_client.get(OVERVIEW_URL), rows_of(one))

    feedback_queries = [sql for sql in queries_of(lambda: member_client.get(OVERVIEW_URL)) if "evals_score" in sql]
    assert len(feedback_queries) == 3  # per day, worst traces, comments: the rest is the admin's own


def test_settings_changelist_query_count(owner_client, project, organization):
    from aistrale.tenancy.services import project_get_or_create
    from tests.feedback.factories import allow_origins

    def one(index):
        extra = project_get_or_create(organization=organization, name=f"p{index}")
        allow_origins(extra, f"https://p{index}.example")

    url = reverse("admin:feedback_feedbacksettings_changelist")
    assert_queries_constant(lambda: owner_client.get(url), rows_of(one))


def test_trace_page_shows_its_feedback(member_client, project):
    trace = make_trace(project, "t1", name="chat")
    feedback_score(project, trace_id="t1", value=0, comment="too slow")
    feedback_score(project, trace_id="t2", value=1, comment="other trace")

    page = member_client.get(reverse("admin:observability_trace_change", args=[trace.key])).content.decode()

    assert 'id="feedback-panel"' in page
    assert "User feedback (1, 0% positive)" in page
    assert "too slow" in page and "other trace" not in page


def test_trace_page_without_feedback_shows_no_panel(member_client, project):
    trace = make_trace(project, "t1")

    page = member_client.get(reverse("admin:observability_trace_change", args=[trace.key])).content.decode()

    assert 'id="feedback-panel"' not in page


def test_selectors_aggregate_in_one_query(project, django_assert_num_queries):
    start = timezone.now() - dt.timedelta(days=1)
    end = timezone.now() + dt.timedelta(days=1)
    for value in (0, 1, 1):
        feedback_score(project, value=value)

    with django_assert_num_queries(1):
        [day] = feedback_daily(project=project, start=start, end=end)
    with django_assert_num_queries(1):
        [trace] = feedback_worst_traces(project=project, start=start, end=end)

    assert (day.volume, day.rated, day.positive) == (3, 3, 2)
    assert (trace["rated"], trace["positive"]) == (3, 2)
