"""The scores admin: the Score changelist, the ScoreConfig admin (through the services), the page panels."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evals.models import ScoreConfig
from tests.evals.factories import make_config, make_score
from tests.observability.factories import make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

SCORES = "/admin/evals/score/"
CONFIGS = "/admin/evals/scoreconfig/"


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return sorted(score.id for score in response.context["cl"].result_list)


def test_score_changelist_filters_and_links_to_the_trace(member_client, project, other_project):
    make_score(project, score_id="a", name="quality", timestamp=timezone.now())
    make_score(project, score_id="b", name="tone", value="calm", trace_id=None, session_id="s1")
    make_score(project, score_id="old", name="quality", timestamp=timezone.now() - timedelta(days=3))
    make_score(other_project, score_id="theirs")
    response = member_client.get(SCORES)
    assert listed(response) == ["a", "b", "old"]
    content = response.content.decode()
    assert reverse("admin:observability_observation_trace", args=[project.id, "t1"]) in content
    assert reverse("admin:observability_trace_session", args=[project.id, "s1"]) in content
    assert listed(member_client.get(SCORES, {"name": "quality"})) == ["a", "old"]
    assert listed(member_client.get(SCORES, {"data_type__exact": "CATEGORICAL"})) == ["b"]
    assert listed(member_client.get(SCORES, {"source__exact": "API", "since": "24h", "name": "quality"})) == ["a"]


def test_score_changelist_queries_do_not_grow(member_client, project):
    assert_queries_constant(lambda: member_client.get(SCORES), rows_of(lambda i: make_score(project, score_id=f"s{i}")))


def test_config_changelist_queries_do_not_grow(member_client, project):
    assert_queries_constant(lambda: member_client.get(CONFIGS), rows_of(lambda i: make_config(project, name=f"c{i}")))


def test_create_config_through_the_service_and_see_its_errors(member_client, project):
    form = {"project": project.pk, "name": "helpful", "data_type": "BOOLEAN", "categories": "", "description": ""}
    response = member_client.post(f"{CONFIGS}add/", form)
    assert response.status_code == 302, response.content[:2000]
    config = ScoreConfig.objects.get(project=project)
    assert config.id and config.categories == [{"label": "True", "value": 1}, {"label": "False", "value": 0}]
    bad = member_client.post(f"{CONFIGS}add/", {**form, "name": "bad/name"})
    assert bad.status_code == 200
    assert "letters, numbers" in str(bad.context["adminform"].form.errors["name"])
    ranged = member_client.post(
        f"{CONFIGS}add/", {**form, "name": "r", "data_type": "NUMERIC", "min_value": 3, "max_value": 1}
    )
    assert "greater than minValue" in str(ranged.context["adminform"].form.errors["max_value"])
    assert ScoreConfig.objects.count() == 1


def test_edit_and_archive_configs(member_client, project):
    config = make_config(project, name="quality", min_value=0, max_value=5)
    url = reverse("admin:evals_scoreconfig_change", args=[config.pk])
    form = {"name": "quality2", "min_value": 0, "max_value": 9, "categories": "", "description": "why"}
    assert member_client.post(url, form).status_code == 302
    config.refresh_from_db()
    assert (config.name, config.max_value, config.description) == ("quality2", 9.0, "why")
    refused = member_client.post(url, {**form, "max_value": -1})
    assert "greater than minValue" in str(refused.context["adminform"].form.errors["max_value"])
    member_client.post(CONFIGS, {"action": "archive", "_selected_action": [config.pk]})
    config.refresh_from_db()
    assert config.is_archived
    member_client.post(CONFIGS, {"action": "restore", "_selected_action": [config.pk]})
    config.refresh_from_db()
    assert not config.is_archived


def test_session_and_trace_pages_show_their_scores(member_client, project):
    make_trace(project, "t1", session_id="s1")
    make_score(project, score_id="sess", name="satisfaction", value=4, trace_id=None, session_id="s1")
    make_score(project, score_id="obs", name="relevance", value=0.5, observation_id="o-42")
    session_page = member_client.get(reverse("admin:observability_trace_session", args=[project.id, "s1"]))
    assert session_page.status_code == 200
    content = session_page.content.decode()
    assert "Session scores" in content and "satisfaction" in content
    trace_page = member_client.get(
        reverse("admin:observability_observation_trace", args=[project.id, "t1"]), follow=True
    )
    content = trace_page.content.decode()
    assert "Scores by observation" in content and "o-42" in content and "relevance: 0.5" in content
