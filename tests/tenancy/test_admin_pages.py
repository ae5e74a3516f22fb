"""The tenancy admin pages as a person uses them, through the test client."""

import re

import pytest

from aistrale.tenancy.models import ApiKey, AuditEvent, Role
from aistrale.tenancy.services import (
    api_key_authenticate,
    api_key_create,
    audit_record,
    membership_set,
    organization_get_or_create,
    project_get_or_create,
)
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db


def test_member_sees_only_their_project(client, project, other_project, member):
    client.force_login(member)
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


def test_member_cannot_manage_keys_or_members(client, member, key_pair):
    client.force_login(member)
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


def test_a_role_change_in_the_admin_is_audited_with_the_old_and_new_role(client, project, owner, key_pair):
    api_key = ApiKey.objects.get(public_key=key_pair[0])
    client.force_login(owner)
    response = client.post(f"/admin/tenancy/apikey/{api_key.pk}/change/", {"role": "admin", "note": "tests"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ApiKey.objects.get(pk=api_key.pk).role == "admin"
    [event] = AuditEvent.objects.filter(action="api_key.updated", object_id=api_key.pk)
    assert (event.before["role"], event.after["role"]) == ("member", "admin")
    assert (event.before["note"], event.after["note"]) == ("tests", "tests")
    assert (event.actor, event.project) == (owner, project)


def test_saving_an_unchanged_key_in_the_admin_writes_no_event(client, owner, key_pair):
    api_key = ApiKey.objects.get(public_key=key_pair[0])
    client.force_login(owner)
    client.post(f"/admin/tenancy/apikey/{api_key.pk}/change/", {"role": "member", "note": "tests"})
    assert not AuditEvent.objects.filter(action="api_key.updated").exists()


def test_organization_changelist_query_count_does_not_grow(client, make_user):
    root = make_user("root", superuser=True)
    client.force_login(root)

    def organization(index):
        membership_set(user=root, organization=organization_get_or_create(name=f"Org {index}"), role=Role.OWNER)

    assert_queries_constant(lambda: client.get("/admin/tenancy/organization/"), rows_of(organization))


def test_project_changelist_query_count_does_not_grow(client, organization, make_user):
    client.force_login(make_user("orgowner", organization=organization, role=Role.OWNER))

    def project(index):
        project_get_or_create(organization=organization, name=f"Project {index}")

    assert_queries_constant(lambda: client.get("/admin/tenancy/project/"), rows_of(project))


def test_project_page_query_count_does_not_grow_with_members(client, project, owner, make_user):
    client.force_login(owner)

    def member(index):
        make_user(f"member-{index}", project=project, role=Role.MEMBER)

    assert_queries_constant(lambda: client.get(f"/admin/tenancy/project/{project.pk}/change/"), rows_of(member))


def test_api_key_changelist_query_count_does_not_grow(client, project, owner):
    client.force_login(owner)
    assert_queries_constant(
        lambda: client.get("/admin/tenancy/apikey/"), rows_of(lambda index: api_key_create(project=project))
    )


def test_audit_event_changelist_query_count_does_not_grow(client, project, owner):
    client.force_login(owner)

    def event(index):
        audit_record(action="test.done", object_type="Thing", object_id=index, project=project)

    assert_queries_constant(lambda: client.get("/admin/tenancy/auditevent/"), rows_of(event))


def test_every_admin_list_and_add_page_renders_for_a_superuser(client, project, make_user, key_pair):
    client.force_login(make_user("root", superuser=True))
    models = [model for app in client.get("/admin/").context["app_list"] for model in app["models"]]
    urls = [url for model in models for url in (model["admin_url"], model["add_url"]) if url]
    assert len(models) >= 12 and len(urls) > len(models)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_organization_page_query_count_does_not_grow_with_members(client, organization, make_user):
    client.force_login(make_user("orgowner", organization=organization, role=Role.OWNER))

    def member(index):
        make_user(f"member-{index}", organization=organization, role=Role.MEMBER)

    url = f"/admin/tenancy/organization/{organization.pk}/change/"
    assert_queries_constant(lambda: client.get(url), rows_of(member))
