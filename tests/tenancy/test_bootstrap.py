import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from aistrale.tenancy.models import ApiKey, AuditEvent, Membership, Organization, Project, Role
from aistrale.tenancy.services import api_key_authenticate

pytestmark = pytest.mark.django_db

KEYS = {
    "AISTRALE_INIT_ORG_NAME": "Init Org",
    "AISTRALE_INIT_PROJECT_NAME": "Init Project",
    "AISTRALE_INIT_PROJECT_PUBLIC_KEY": "pk-lf-init-public",
    "AISTRALE_INIT_PROJECT_SECRET_KEY": "sk-lf-init-secret-0123456789",
    "AISTRALE_INIT_USER_EMAIL": "ops@example.com",
    "AISTRALE_INIT_USER_PASSWORD": "init-password",
}


@pytest.fixture
def init_env(monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def test_bootstrap_creates_everything_from_the_environment(init_env, capsys):
    call_command("bootstrap")
    project = Project.objects.get(name="Init Project", organization__name="Init Org")
    api_key = api_key_authenticate(public_key="pk-lf-init-public", secret_key="sk-lf-init-secret-0123456789")
    assert api_key is not None and api_key.project == project
    assert api_key.role == Role.ADMIN
    user = get_user_model().objects.get(username="ops@example.com")
    assert user.is_superuser and user.check_password("init-password")
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert "pk-lf-init-public" in capsys.readouterr().out


def test_bootstrap_is_idempotent(init_env):
    call_command("bootstrap")
    events = AuditEvent.objects.count()
    call_command("bootstrap")
    assert Organization.objects.count() == 1
    assert Project.objects.count() == 1
    assert ApiKey.objects.count() == 1
    assert get_user_model().objects.count() == 1
    assert Membership.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_bootstrap_flags_override_the_environment(init_env):
    call_command("bootstrap", org_name="Flag Org", project_name="Flag Project")
    assert Project.objects.filter(name="Flag Project", organization__name="Flag Org").exists()


def test_bootstrap_without_keys_creates_one_pair_once():
    call_command("bootstrap", user_password="pw-12345678")
    call_command("bootstrap")
    assert ApiKey.objects.count() == 1


def test_bootstrap_refuses_a_known_public_key_with_another_secret(init_env, monkeypatch):
    call_command("bootstrap")
    monkeypatch.setenv("AISTRALE_INIT_PROJECT_SECRET_KEY", "sk-lf-some-other-secret-000000")
    with pytest.raises(CommandError, match="different secret"):
        call_command("bootstrap")


def test_bootstrap_needs_both_keys_or_neither():
    with pytest.raises(CommandError, match="both"):
        call_command("bootstrap", public_key="pk-lf-only-public")


def test_bootstrap_rejects_badly_formatted_keys():
    with pytest.raises(CommandError, match="sk-lf-"):
        call_command("bootstrap", public_key="pk-lf-x", secret_key="not-a-secret")


def user(email):
    return get_user_model().objects.get(username=email)


def owned(email):
    return set(
        Membership.objects.filter(user__username=email, role=Role.OWNER).values_list("organization__name", flat=True)
    )


def test_only_the_first_user_becomes_a_superuser():
    call_command("bootstrap", org_name="First", user_email="first@example.com", user_password="pw-first-123")
    call_command("bootstrap", org_name="Second", user_email="second@example.com", user_password="pw-second-123")
    assert user("first@example.com").is_superuser
    second = user("second@example.com")
    assert not second.is_superuser and second.is_staff and second.check_password("pw-second-123")
    assert owned("second@example.com") == {"Second"}
    assert owned("first@example.com") == {"First"}


def test_bootstrapping_another_organization_makes_the_user_its_owner():
    call_command("bootstrap", org_name="First", user_email="ops@example.com", user_password="pw-ops-1234")
    call_command("bootstrap", org_name="Second", project_name="Other", user_email="ops@example.com")
    assert owned("ops@example.com") == {"First", "Second"}
    assert Project.objects.filter(name="Other", organization__name="Second").exists()


def test_the_superuser_flag_makes_one_when_there_is_one_already(capsys):
    call_command("bootstrap", org_name="First", user_email="first@example.com", user_password="pw-first-123")
    call_command("bootstrap", org_name="Second", user_email="second@example.com", user_password="pw-second-123")
    assert not user("second@example.com").is_superuser
    call_command("bootstrap", org_name="Second", user_email="second@example.com", superuser=True)
    assert user("second@example.com").is_superuser
    assert "second@example.com (superuser, owner of Second)" in capsys.readouterr().out


def test_a_user_is_made_superuser_when_none_is_left():
    call_command("bootstrap", org_name="First", user_email="first@example.com", user_password="pw-first-123")
    call_command("bootstrap", org_name="Second", user_email="second@example.com", user_password="pw-second-123")
    user("first@example.com").delete()
    call_command("bootstrap", org_name="Second", user_email="second@example.com")
    assert user("second@example.com").is_superuser
