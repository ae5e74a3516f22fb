"""Comments in the admin: shown with author and time on trace, session and prompt pages, added by members."""

import pytest
from django.test import Client

from aistrale.tenancy.models import AuditEvent, Role
from feedback.models import Comment
from tests.feedback.factories import make_comment
from tests.observability.factories import make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

POST = "/admin/feedback/comment/post/"


def trace_page(trace) -> str:
    return f"/admin/observability/trace/{trace.key}/change/"


def session_page(project, session_id) -> str:
    return f"/admin/observability/trace/session/{project.pk}/{session_id}/"


def prompt_page(prompt_version) -> str:
    return f"/admin/prompts/prompt/{prompt_version.prompt_id}/change/"


def add(client, project, target, content, next_url):
    return client.post(POST, {"project": project.pk, "target": target, "content": content, "next": next_url})


@pytest.fixture
def member_client(client, member):
    member.first_name = "Mia Member"
    member.save()
    client.force_login(member)
    return client


def test_the_trace_page_shows_trace_and_observation_comments(member_client, project, trace, member):
    make_comment(project, "t-1", content="wrong tone", author=member)
    make_comment(project, "t-1-gen", object_type="OBSERVATION", content="the model hallucinated")
    content = member_client.get(trace_page(trace)).content.decode()
    assert "wrong tone" in content and "Mia Member" in content
    assert "the model hallucinated" in content and "observation t-1-gen" in content
    assert 'value="OBSERVATION:t-1-ret"' in content and "Add comment" in content


def test_a_member_adds_a_comment_on_the_trace(member_client, project, trace, member):
    page = trace_page(trace)
    response = add(member_client, project, "TRACE:t-1", "Needs a\nsecond look", page)
    assert response.status_code == 302 and response["Location"] == page + "#comments"
    comment = Comment.objects.get()
    assert (comment.object_type, comment.object_id, comment.author) == ("TRACE", "t-1", member)
    shown = member_client.get(page).content.decode()
    assert "Needs a<br>second look" in shown and "Comment added." in shown
    event = AuditEvent.objects.get(action="comment.created")
    assert event.actor == member and event.object_id == comment.pk


def test_a_member_comments_an_observation(member_client, project, trace):
    add(member_client, project, "OBSERVATION:t-1-gen", "slow", trace_page(trace))
    assert Comment.objects.get().object_id == "t-1-gen"


def test_the_session_page_shows_and_takes_comments(member_client, project, trace):
    page = session_page(project, "sess-1")
    add(member_client, project, "SESSION:sess-1", "user gave up here", page)
    content = member_client.get(page).content.decode()
    assert "user gave up here" in content and 'name="target" value="SESSION:sess-1"' in content


def test_the_prompt_page_shows_and_takes_comments_per_version(member_client, project, prompt_version):
    page = prompt_page(prompt_version)
    add(member_client, project, f"PROMPT:{prompt_version.pk}", "too formal", page)
    content = member_client.get(page).content.decode()
    assert "too formal" in content and ">v1<" in content
    assert Comment.objects.get().object_id == prompt_version.pk


@pytest.mark.parametrize(
    ("target", "content", "message"),
    [
        ("TRACE:t-1", "   ", "content: must not be empty"),
        ("TRACE:t-1", "x" * 5001, "content: is longer than 5000 characters"),
        ("TRACE:missing", "hi", "object_id: no trace with id &#x27;missing&#x27; in this project"),
        ("DATASET:t-1", "hi", "object_type: must be one of"),
    ],
)
def test_bad_comments_are_refused_with_a_message(member_client, project, trace, target, content, message):
    response = add(member_client, project, target, content, trace_page(trace))
    assert response.status_code == 302
    shown = member_client.get(response["Location"]).content.decode()
    assert "Comment not added" in shown and message in shown
    assert not Comment.objects.exists()


def test_viewers_read_comments_but_cannot_add(client, make_user, project, trace):
    make_comment(project, "t-1", content="visible to viewers")
    client.force_login(make_user("viewer", project=project, role=Role.VIEWER))
    content = client.get(trace_page(trace)).content.decode()
    assert "visible to viewers" in content and "Add comment" not in content
    assert add(client, project, "TRACE:t-1", "sneaky", trace_page(trace)).status_code == 403
    assert Comment.objects.count() == 1


def test_members_of_another_project_cannot_comment_here(client, make_user, project, other_project, trace):
    client.force_login(make_user("stranger", project=other_project, role=Role.OWNER))
    assert add(client, project, "TRACE:t-1", "hi", "/admin/").status_code == 403
    assert not Comment.objects.exists()


def test_the_redirect_stays_on_this_site(member_client, project, trace):
    response = add(member_client, project, "TRACE:t-1", "hi", "https://evil.example/")
    assert response["Location"] == "/admin/feedback/comment/"


def test_adding_needs_post_and_csrf(member, project, trace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(POST).status_code == 405
    assert add(client, project, "TRACE:t-1", "hi", "/admin/").status_code == 403
    assert not Comment.objects.exists()


def test_the_comment_changelist_shows_only_the_members_projects(member_client, project, other_project, trace):
    make_comment(project, "t-1", content="mine")
    make_trace(other_project, "theirs")
    make_comment(other_project, "theirs", content="not yours")
    content = member_client.get("/admin/feedback/comment/").content.decode()
    assert "mine" in content and "not yours" not in content


def test_the_comment_changelist_makes_constant_queries(member_client, project, trace, member):
    assert_queries_constant(
        lambda: member_client.get("/admin/feedback/comment/"),
        rows_of(lambda index: make_comment(project, "t-1", content=f"c{index}", author=member)),
    )


def test_the_trace_panel_makes_constant_queries(member_client, project, trace, member):
    assert_queries_constant(
        lambda: member_client.get(trace_page(trace)),
        rows_of(lambda index: make_comment(project, "t-1", content=f"c{index}", author=member)),
    )
