import pytest
from guardian.shortcuts import assign_perm, remove_perm

from aistrale.errors import DomainError
from aistrale.tenancy.audit import acting_as
from aistrale.tenancy.models import AuditEvent, Role
from aistrale.tenancy.services import api_key_create, api_key_update, membership_set
from prompts.models import Prompt

pytestmark = pytest.mark.django_db


def test_membership_changes_are_audited_with_the_actor(project, make_user):
    admin = make_user("boss", project=project, role=Role.OWNER)
    member = make_user("dev")
    with acting_as(actor=admin, ip="10.0.0.7"):
        membership = membership_set(user=member, project=project, role=Role.VIEWER)
        membership_set(user=member, project=project, role=Role.VIEWER)
        membership_set(user=member, project=project, role=Role.ADMIN)
        membership_id = membership.pk
        membership.delete()
    events = AuditEvent.objects.filter(object_type="Membership", object_id=str(membership_id)).order_by("at", "pk")
    assert [event.action for event in events] == ["membership.created", "membership.changed", "membership.deleted"]
    changed = events[1]
    assert changed.before["role"] == "viewer" and changed.after["role"] == "admin"
    assert changed.actor == admin and changed.ip == "10.0.0.7" and changed.project == project


def test_object_grants_are_audited(project, make_user):
    prompt = Prompt.objects.create(project=project, name="greeting")
    user = make_user("outsider")
    assign_perm("prompts.view_prompt", user, prompt)
    remove_perm("prompts.view_prompt", user, prompt)
    events = AuditEvent.objects.filter(object_type="prompt", object_id=prompt.pk).order_by("pk")
    assert [event.action for event in events] == ["grant.created", "grant.deleted"]
    assert events[0].after["permission"] == "view_prompt" and events[0].after["user"] == user.pk
    assert events[0].project == project


def test_api_key_update_records_old_and_new_role_and_note(project, make_user):
    api_key, _ = api_key_create(project=project, note="ci")
    owner = make_user("boss", project=project, role=Role.OWNER)
    with acting_as(actor=owner):
        api_key_update(api_key=api_key, role=Role.ADMIN)
        api_key_update(api_key=api_key, note="deploys")
        api_key_update(api_key=api_key, role=Role.ADMIN, note="deploys")
    events = AuditEvent.objects.filter(action="api_key.updated", object_id=api_key.pk).order_by("pk")
    assert [(event.before["role"], event.after["role"]) for event in events] == [
        ("member", "admin"),
        ("admin", "admin"),
    ]
    assert [(event.before["note"], event.after["note"]) for event in events] == [("ci", "ci"), ("ci", "deploys")]
    assert {event.actor for event in events} == {owner}
    api_key.refresh_from_db()
    assert (api_key.role, api_key.note) == ("admin", "deploys")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"role": "viewer"}, "role"), ({"note": "n" * 201}, "note"), ({"note": "bad\x00note"}, "note")],
)
def test_api_key_update_refuses_bad_values_naming_the_field(project, changes, field):
    api_key, _ = api_key_create(project=project, note="ci")
    with pytest.raises(DomainError) as raised:
        api_key_update(api_key=api_key, **changes)
    assert raised.value.field == field
    api_key.refresh_from_db()
    assert (api_key.role, api_key.note) == ("member", "ci")
    assert not AuditEvent.objects.filter(action="api_key.updated").exists()
