import pytest
from django.core.management import CommandError, call_command

from aistrale.tenancy.models import ApiKey, AuditEvent
from aistrale.tenancy.services import api_key_authenticate

pytestmark = pytest.mark.django_db


def _printed_keys(output: str) -> dict:
    return dict(line.split(": ", 1) for line in output.strip().splitlines())


def test_create_and_revoke_by_command(project, capsys):
    call_command("create_api_key", project.name, note="ci", role="admin")
    keys = _printed_keys(capsys.readouterr().out)
    api_key = api_key_authenticate(public_key=keys["public key"], secret_key=keys["secret key"])
    assert api_key.project == project and api_key.role == "admin" and api_key.note == "ci"
    assert keys["secret key"] not in api_key.secret_hash

    call_command("revoke_api_key", keys["public key"])
    assert api_key_authenticate(public_key=keys["public key"], secret_key=keys["secret key"]) is None
    actions = list(AuditEvent.objects.filter(object_id=api_key.pk).values_list("action", flat=True))
    assert sorted(actions) == ["api_key.created", "api_key.revoked"]
    assert AuditEvent.objects.get(action="api_key.revoked").actor_label == "revoke_api_key command"


def test_create_api_key_for_an_unknown_project_fails(db):
    with pytest.raises(CommandError, match="no match"):
        call_command("create_api_key", "missing")


def test_revoke_unknown_key_fails(db):
    with pytest.raises(CommandError, match="no API key"):
        call_command("revoke_api_key", "pk-lf-missing")


def test_secret_is_stored_only_as_a_hash(key_pair):
    public_key, secret_key = key_pair
    row = ApiKey.objects.get(public_key=public_key)
    stored = [str(value) for value in row.__dict__.values()]
    assert secret_key not in stored
    assert row.display_secret_key.endswith(secret_key[-4:])
