"""The tenancy admin pages as a person uses them, through the test client."""

import re

import pytest

from aistrale.tenancy.models import ApiKey, AuditEvent, Role
from aistrale.tenancy.services import api_key_authenticate

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(project, make_user):
    return make_user("owner", project=project, role=Role.OWNER)


def test_member_sees_only_their_project(client, project, other_project, make_user):
    client.force_login(make_user("member", project=project, role=Role.MEMBER))
    page = client.get("/admin/tenancy/project/").content.decode()
    assert project.name in page and other_project.name not in page
    assert client.get(f"/admin/tenancy/project/{other_project.pk}/change/").status_code == 302


def test_owner_creates_a_key_and_sees_the_secret_once(client, project, owner):
    client.force_login(owner)
    response = client.post(
        "/admin/tenancy/apikey/add/", {"project": project.pk, "note": "from admin", "role": "member"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    secret = re.search(r"(sk-lf-[0-9a-f-]{36})", page).group(1)
    api_key = ApiKey.objects.get(note="from admin")
    assert api_key_authenticate(public_key=api_key.public_key, secret_key=secret) == api_key
    assert secret not in client.get(f"/admin/tenancy/apikey/{api_key.pk}/change/").content.decode()
    event = AuditEvent.objects.get(action="api_key.created", object_id=api_key.pk)
    assert event.actor == owner and event.ip == "127.0.0.1"


def test_owner_revokes_keys_from_the_changelist(client, project, owner, key_pair):
    client.force_login(owner)
    api_key = ApiKey.objects.get(public_key=key_pair[0])
    client.post("/admin/tenancy/apikey/", {"action": "revoke_selected", "_selected_action": [api_key.pk]})
    assert api_key_authenticate(public_key=key_pair[0], secret_key=key_pair[1]) is None
    assert AuditEvent.objects.filter(action="api_key.revoked", actor=owner).exists()


def test_member_cannot_manage_keys_or_members(client, project, make_user, key_pair):
    client.force_login(make_user("member", project=project, role=Role.MEMBER))
    assert client.get("/admin/tenancy/apikey/").status_code == 403
    assert client.get("/admin/tenancy/auditevent/").status_code == 403


def test_owner_adds_a_member_in_the_project_page_and_it_is_audited(client, project, owner, make_user):
    newcomer = make_user("newcomer")
    client.force_login(owner)
    url = f"/admin/tenancy/project/{project.pk}/change/"
    form = {
        "name": project.name,
        "organization": project.organization_id,
        "metadata": "{}",
        "retention_days": "",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": owner.memberships.get().pk,
        "memberships-0-project": project.pk,
        "memberships-0-user": owner.pk,
        "memberships-0-role": "owner",
        "memberships-1-project": project.pk,
        "memberships-1-user": newcomer.pk,
        "memberships-1-role": "annotator",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert newcomer.memberships.get().role == "annotator"
    event = AuditEvent.objects.get(action="membership.created", after__user=newcomer.pk)
    assert event.actor == owner and event.project == project


def test_audit_log_is_read_only(client, owner, project, key_pair):
    client.force_login(owner)
    event = AuditEvent.objects.filter(project=project).first()
    assert client.get("/admin/tenancy/auditevent/").status_code == 200
    assert client.get(f"/admin/tenancy/auditevent/{event.pk}/change/").status_code == 200
    assert client.post(f"/admin/tenancy/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_login_page_renders_for_anonymous_visitors(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_org_admin_manages_the_organization(client, organization, make_user):
    client.force_login(make_user("orgadmin", organization=organization, role=Role.ADMIN))
    assert client.get("/admin/tenancy/organization/").status_code == 200
    assert client.get(f"/admin/tenancy/organization/{organization.pk}/change/").status_code == 200
