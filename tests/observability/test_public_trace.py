"""Public trace links: readable without login while the trace is public, nothing else of the project reachable."""

import re

import pytest
from django.core import signing

from aistrale.tenancy.models import AuditEvent, Role
from observability.models import Trace
from observability.public.links import SALT, trace_public_path
from tests.observability.factories import make_llm_trace, make_media, make_trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(project):
    trace = make_llm_trace(project, "shared-1", name="support-chat", session_id="sess-9", public=True)
    Trace.objects.filter(pk=trace.pk).update(input={"question": "how do I reset?"}, output="press the button")
    trace.refresh_from_db()
    return trace


def test_a_public_trace_reads_without_login(client, shared, score_loader):
    score_loader["shared-1"] = [{"name": "helpful", "value": 1, "source": "API", "timestamp": "t"}]
    response = client.get(trace_public_path(shared))
    assert response.status_code == 200
    content = response.content.decode()
    for shown in ("support-chat", "how do I reset?", "press the button", "shared-1-gen", "gpt-4o", "helpful"):
        assert shown in content, shown
    assert "obs-wf-bar" in content
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in content


def test_the_public_page_links_nothing_else_of_the_project(client, shared, project):
    make_trace(project, "neighbour", name="other-trace-name")
    content = client.get(trace_public_path(shared)).content.decode()
    targets = re.findall(r'(?:href|src|action)="([^"]*)"', content)
    own_media = trace_public_path(shared) + "media/"
    assert targets and all(target.startswith(("/static/", "#", own_media)) for target in targets), targets
    assert "other-trace-name" not in content
    assert project.name not in content and project.organization.name not in content
    assert "sess-9" in content


def test_making_it_private_revokes_the_link_at_once(client, shared):
    path = trace_public_path(shared)
    assert client.get(path).status_code == 200
    Trace.objects.filter(pk=shared.pk).update(public=False)
    assert client.get(path).status_code == 404


def test_a_private_trace_has_no_readable_link(client, project):
    trace = make_trace(project, "private-1")
    assert client.get(trace_public_path(trace)).status_code == 404


def test_links_cannot_be_forged_for_another_trace_or_project(client, shared, project, other_project):
    other_public = make_trace(other_project, "shared-1", public=True)
    sibling = make_trace(project, "sibling", public=True)
    token = trace_public_path(shared).rstrip("/").rsplit("/", 1)[1]
    payload, signature = token.rsplit(":", 1)
    forged_payload = signing.Signer(salt=SALT).sign_object([other_project.pk, "shared-1"], compress=True)
    for forged in (
        f"{forged_payload.rsplit(':', 1)[0]}:{signature}",
        signing.Signer(salt="another-salt").sign_object([project.pk, sibling.id], compress=True),
        signing.dumps([project.pk, sibling.id]),
        payload,
        "not-a-token",
    ):
        assert client.get(f"/public/traces/{forged}/").status_code == 404, forged
    assert trace_public_path(other_public) != trace_public_path(shared)


def test_the_public_page_answers_only_reads(client, shared):
    assert client.post(trace_public_path(shared)).status_code == 405


def trace_page(client, trace):
    return client.get(f"/admin/observability/trace/{trace.key}/change/")


def toggle(client, trace, value):
    return client.post(f"/admin/observability/trace/{trace.key}/public/", {"public": value})


def test_the_admin_page_shows_the_state_the_link_and_the_toggle(client, member, shared):
    client.force_login(member)
    content = trace_page(client, shared).content.decode()
    assert "Public:</strong>" in content
    assert f"http://testserver{trace_public_path(shared)}" in content
    assert "Make private (revokes the link)" in content


def test_a_writer_shares_and_revokes_audited(client, member, project):
    trace = make_trace(project, "t-share")
    client.force_login(member)
    assert "Private:</strong>" in trace_page(client, trace).content.decode()
    response = toggle(client, trace, "1")
    assert response.status_code == 302 and response["Location"].endswith("#obs-share")
    trace.refresh_from_db()
    assert trace.public
    assert client.get(trace_public_path(trace)).status_code == 200
    toggle(client, trace, "0")
    client.logout()
    assert client.get(trace_public_path(trace)).status_code == 404
    events = list(AuditEvent.objects.filter(object_id="t-share").order_by("at").values_list("action", "actor"))
    assert events == [("trace.shared", member.pk), ("trace.unshared", member.pk)]


def test_a_viewer_sees_the_state_but_cannot_toggle(client, make_user, project, shared):
    viewer = make_user("viewer", project=project, role=Role.VIEWER)
    client.force_login(viewer)
    content = trace_page(client, shared).content.decode()
    assert "Public:</strong>" in content and "Make private" not in content
    assert toggle(client, shared, "0").status_code == 403
    shared.refresh_from_db()
    assert shared.public and not AuditEvent.objects.filter(action__startswith="trace.").exists()


def test_another_projects_member_cannot_toggle(client, make_user, other_project, shared):
    client.force_login(make_user("stranger", project=other_project, role=Role.OWNER))
    assert toggle(client, shared, "0").status_code == 404
    shared.refresh_from_db()
    assert shared.public


def test_the_toggle_needs_post_and_a_clear_value(client, member, shared):
    client.force_login(member)
    assert client.get(f"/admin/observability/trace/{shared.key}/public/").status_code == 405
    response = toggle(client, shared, "yes")
    assert response.status_code == 400 and b"public must be 1" in response.content


def test_the_toggle_needs_a_csrf_token(member, shared):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert toggle(client, shared, "0").status_code == 403
    shared.refresh_from_db()
    assert shared.public


def test_media_of_a_public_trace_serves_under_its_link_while_it_is_public(client, shared, project):
    media, reference = make_media(project, b"\x89PNG public", "image/png", trace_id=shared.id)
    Trace.objects.filter(pk=shared.pk).update(input={"image": reference})
    _, other_reference = make_media(project, b"\x89PNG other", "image/png", trace_id="neighbour")
    other_id = other_reference.split("|id=")[1].split("|")[0]
    media_path = f"{trace_public_path(shared)}media/{media.id}/"
    assert f'src="{media_path}"' in client.get(trace_public_path(shared)).content.decode()
    response = client.get(media_path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG public"
    assert client.get(f"{trace_public_path(shared)}media/{other_id}/").status_code == 404
    Trace.objects.filter(pk=shared.pk).update(public=False)
    assert client.get(media_path).status_code == 404
