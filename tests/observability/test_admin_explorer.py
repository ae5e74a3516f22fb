"""The trace explorer in the admin: list, filters, detail, sessions, users, observations, deletion."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from aistrale.tenancy.models import Role
from observability import extensions
from observability.models import Observation, Session, Trace
from prompts.insights import version_insights
from tests.observability.factories import make_llm_trace, make_observation, make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/observability/trace/"


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return sorted(trace.id for trace in response.context["cl"].result_list)


def test_changelist_shows_only_the_members_projects(member_client, project, other_project):
    make_llm_trace(project, "mine", name="chat", tags=["prod"], input={"question": "q" * 500})
    make_trace(other_project, "theirs", name="secret")
    response = member_client.get(CHANGELIST)
    assert listed(response) == ["mine"]
    content = response.content.decode()
    assert "secret" not in content
    assert "$0.000600" in content
    assert "150 (120/30)" in content
    assert "2.50s" in content
    assert "q" * 500 not in content


def test_changelist_filters(member_client, project):
    now = timezone.now()
    make_llm_trace(project, "a", at=now, name="chat", user_id="u1", session_id="s1", tags=["prod", "vip"], release="r1")
    make_trace(project, "b", at=now - timedelta(days=3), name="search", user_id="u2", environment="staging")
    Observation.objects.filter(id="a-ret").update(level="ERROR")
    make_observation(project, "b-gen", "b", start=now - timedelta(days=3), model="claude-3", level="WARNING")
    cases = {
        "name=chat": ["a"],
        "user_id=u2": ["b"],
        "session_id=s1": ["a"],
        "tag=vip": ["a"],
        "environment=staging": ["b"],
        "release=r1": ["a"],
        "level=ERROR": ["a"],
        "level=WARNING": ["b"],
        "model=claude-3": ["b"],
        "since=24h": ["a"],
        "since=7d": ["a", "b"],
        "q=u1": ["a"],
    }
    for query, expected in cases.items():
        assert listed(member_client.get(f"{CHANGELIST}?{query}")) == expected, query


def test_changelist_sorts_by_cost_and_latency(member_client, project):
    make_llm_trace(project, "cheap")
    make_llm_trace(project, "dear", at=timezone.now())
    Observation.objects.filter(id="dear-gen").update(
        total_cost=Decimal("2"), end_time=timezone.now() + timedelta(hours=1)
    )
    columns = list(member_client.get(CHANGELIST).context["cl"].list_display)
    response = member_client.get(f"{CHANGELIST}?o={columns.index('cost_display')}")
    assert [trace.id for trace in response.context["cl"].result_list] == ["cheap", "dear"]
    response = member_client.get(f"{CHANGELIST}?o=-{columns.index('latency_display')}")
    assert [trace.id for trace in response.context["cl"].result_list] == ["dear", "cheap"]


def add_trace(project, index):
    """A priced trace of its own user and session, within the changelist's default time range."""
    name = f"t{index}"
    make_llm_trace(project, name, at=timezone.now(), tags=["prod"], user_id=f"user-{name}", session_id=f"s-{name}")
    Session.objects.create(project=project, id=f"s-{name}")


@pytest.mark.parametrize(
    "url",
    [
        CHANGELIST,
        f"{CHANGELIST}?tag=prod&level=ERROR&since=7d",
        "/admin/observability/observation/",
        "/admin/observability/session/",
        "/admin/observability/trace/users/",
    ],
)
def test_admin_lists_query_count_does_not_grow_with_rows(member_client, project, url):
    traces = rows_of(lambda index: add_trace(project, index))
    assert assert_queries_constant(lambda: member_client.get(url), traces) <= 50


def test_trace_detail_renders_tree_waterfall_payloads_and_scores(member_client, project, monkeypatch):
    monkeypatch.setattr(extensions, "_score_loaders", [])
    extensions.register_score_loader(
        lambda *, project, trace_ids: {"t1": [{"id": "s", "name": "helpfulness", "value": 0.75, "source": "API"}]}
    )
    trace = make_llm_trace(project, "t1", name="chat", session_id="s1", output={"answer": "x" * 3000})
    Observation.objects.filter(id="t1-ret").update(level="ERROR", status_message="index offline")
    make_observation(project, "orphan", "t1", parent_observation_id="gone", name="late-event", type="EVENT")
    response = member_client.get(reverse("admin:observability_trace_change", args=[trace.key]))
    assert response.status_code == 200
    content = response.content.decode()
    rows = response.context["rows"]
    tree = [(row["observation"].id, row["depth"]) for row in rows]
    assert tree == [("t1-root", 0), ("t1-ret", 1), ("t1-gen", 1), ("orphan", 0)]
    generation = next(row for row in rows if row["observation"].id == "t1-gen")
    assert generation["offset"] == "24.000" and generation["width"] == "60.000"
    assert generation["input"]["messages"][0] == {"role": "user", "content": "hi", "extra": None}
    assert "obs-wf-bar" in content and "helpfulness" in content and "index offline" in content
    assert "obs-role-user" in content and "gpt-4o" in content and "$0.000600" in content
    assert "3018 characters, expand" in content
    assert reverse("admin:observability_trace_session", args=[project.id, "s1"]) in content


def test_trace_detail_of_another_project_is_not_shown(member_client, other_project):
    trace = make_trace(other_project, "theirs", name="secret")
    response = member_client.get(reverse("admin:observability_trace_change", args=[trace.key]))
    assert response.status_code in (302, 404)
    assert b"secret" not in response.content


def test_session_replay_in_order(member_client, project, other_project):
    make_trace(project, "t2", session_id="s1", at=timezone.now(), input=[{"role": "user", "content": "second?"}])
    make_llm_trace(project, "t1", session_id="s1", at=timezone.now() - timedelta(minutes=1), input="first?")
    make_trace(other_project, "x", session_id="s1")
    response = member_client.get(reverse("admin:observability_trace_session", args=[project.id, "s1"]))
    assert response.status_code == 200
    assert [turn["trace"].id for turn in response.context["turns"]] == ["t1", "t2"]
    content = response.content.decode()
    assert content.index("first?") < content.index("second?")
    assert (
        member_client.get(reverse("admin:observability_trace_session", args=[other_project.id, "s1"])).status_code
        == 404
    )


def test_session_changelist(member_client, project, other_project):
    Session.objects.create(project=project, id="s1")
    Session.objects.create(project=other_project, id="s-other")
    make_trace(project, "t1", session_id="s1")
    make_trace(project, "t2", session_id="s1")
    response = member_client.get("/admin/observability/session/")
    assert response.status_code == 200
    [session] = response.context["cl"].result_list
    assert (session.id, session.trace_count) == ("s1", 2)
    assert reverse("admin:observability_trace_session", args=[project.id, "s1"]) in response.content.decode()


def test_users_view_counts_tokens_and_cost(member_client, project, other_project):
    make_llm_trace(project, "a", user_id="alice")
    make_llm_trace(project, "b", user_id="alice")
    make_trace(project, "c", user_id="bob")
    make_llm_trace(other_project, "z", user_id="mallory")
    response = member_client.get(reverse("admin:observability_trace_users"))
    assert response.status_code == 200
    rows = {row["user_id"]: row for row in response.context["rows"]}
    assert set(rows) == {"alice", "bob"}
    assert rows["alice"]["traces"] == 2
    assert rows["alice"]["total_tokens"] == 300
    assert rows["alice"]["cost"] == "$0.001200"
    assert rows["bob"]["traces"] == 1 and not rows["bob"].get("total_tokens")
    assert "mallory" not in response.content.decode()


def test_writer_deletes_trace_with_observations_viewer_cannot(client, make_user, project):
    trace = make_llm_trace(project, "t1")
    client.force_login(make_user("vic", project=project, role=Role.VIEWER))
    url = reverse("admin:observability_trace_delete", args=[trace.key])
    assert client.post(url, {"post": "yes"}).status_code == 403
    client.force_login(make_user("wes", project=project, role=Role.MEMBER))
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Trace.objects.filter(id="t1").exists()
    assert not Observation.objects.filter(trace_id="t1").exists()


def test_bulk_delete_action(member_client, project):
    for trace_id in ("a", "b"):
        make_llm_trace(project, trace_id)
    keys = list(Trace.objects.values_list("key", flat=True))
    response = member_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": keys, "post": "yes"})
    assert response.status_code == 302
    assert not Trace.objects.exists() and not Observation.objects.exists()


def test_observation_admin_lists_and_links_to_its_trace(member_client, project, other_project):
    trace = make_llm_trace(project, "t1")
    make_llm_trace(other_project, "z")
    response = member_client.get("/admin/observability/observation/")
    assert response.status_code == 200
    assert sorted(o.id for o in response.context["cl"].result_list) == ["t1-gen", "t1-ret", "t1-root"]
    generation = Observation.objects.get(id="t1-gen")
    response = member_client.get(reverse("admin:observability_observation_change", args=[generation.key]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:observability_trace_change", args=[trace.key]) + (
        f"#obs-{generation.key}"
    )


def test_prompt_version_insights(project):
    from prompts.models import Prompt

    prompt = Prompt.objects.create(project=project, name="qa")
    for index, seconds in enumerate([1.0, 2.0, 3.0, 4.0]):
        make_observation(
            project,
            f"g{index}",
            "t",
            duration=seconds,
            prompt_name="qa",
            prompt_version=1,
            input_tokens=10,
            output_tokens=5,
            total_cost=Decimal("0.01"),
        )
    make_observation(project, "g-v2", "t", duration=None, prompt_name="qa", prompt_version=2)
    insights = version_insights(prompt)
    assert insights[1]["Generations"] == 4
    assert insights[1]["Median latency"] == "2.50s"
    assert insights[1]["p95 latency"] == "3.85s"
    assert insights[1]["Tokens (in/out)"] == "40/20"
    assert insights[1]["Cost"] == "$0.040000"
    assert insights[2]["Generations"] == 1 and insights[2]["Median latency"] == ""


def test_registered_panels_show_on_trace_and_session_pages(member_client, project, monkeypatch):
    monkeypatch.setattr(extensions, "_page_panels", {})
    extensions.register_page_panel(
        "trace",
        lambda *, request, project, subject_id: format_html("<div id='panel'>{}/{}</div>", project.id, subject_id),
    )
    extensions.register_page_panel("trace", lambda *, request, project, subject_id: None)
    extensions.register_page_panel(
        "session", lambda *, request, project, subject_id: format_html("<p>replay {}</p>", subject_id)
    )
    extensions.register_page_panel("session", lambda *, request, project, subject_id: "<b>unsafe</b>")
    trace = make_trace(project, "t1", session_id="s1")
    page = member_client.get(reverse("admin:observability_trace_change", args=[trace.key])).content.decode()
    assert f"<div id='panel'>{project.id}/t1</div>" in page
    replay = member_client.get(reverse("admin:observability_trace_session", args=[project.id, "s1"]))
    assert "<p>replay s1</p>" in replay.content.decode()
    assert "&lt;b&gt;unsafe&lt;/b&gt;" in replay.content.decode()


def test_registered_actions_run_on_the_selected_rows(member_client, project, monkeypatch):
    monkeypatch.setattr(extensions, "_admin_actions", {})
    chosen = []

    def mark(modeladmin, request, queryset):
        chosen.extend(queryset.values_list("id", flat=True))

    mark.short_description = "Mark them"
    extensions.register_admin_action("trace", mark)
    for trace_id in ("a", "b", "c"):
        make_trace(project, trace_id)
    keys = list(Trace.objects.filter(id__in=["a", "c"]).values_list("key", flat=True))
    assert "Mark them" in member_client.get(CHANGELIST).content.decode()
    response = member_client.post(CHANGELIST, {"action": "mark", "_selected_action": keys})
    assert response.status_code == 302
    assert sorted(chosen) == ["a", "c"]
    assert "Mark them" not in member_client.get("/admin/observability/observation/").content.decode()
