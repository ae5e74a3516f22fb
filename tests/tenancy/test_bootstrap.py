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


@pytest.mark.parametrize(
    ("public_key", "secret_key", "message"),
    [
        ("pk-lf-x", "sk lf with spaces", "secret key must be non-empty, without spaces"),
        ("pk:lf", "sk-lf-1234567890", "public key must be non-empty, without spaces or ':'"),
        ("pk-lf-" + "x" * 100, "sk-lf-1234567890", "public key is longer than 100"),
    ],
)
def test_bootstrap_rejects_keys_basic_auth_cannot_carry(public_key, secret_key, message):
    with pytest.raises(CommandError, match=message):
        call_command("bootstrap", public_key=public_key, secret_key=secret_key)
    assert not ApiKey.objects.exists()


def test_bootstrap_takes_the_short_pair_the_langfuse_sdks_ci_uses():
    call_command("bootstrap", public_key="pk-lf-1234567890", secret_key="sk-lf-1234567890")
    assert api_key_authenticate(public_key="pk-lf-1234567890", secret_key="sk-lf-1234567890") is not None


LANGFUSE_ENV = {
    "LANGFUSE_INIT_ORG_ID": "my-org",
    "LANGFUSE_INIT_ORG_NAME": "My Org",
    "LANGFUSE_INIT_PROJECT_ID": "my-project",
    "LANGFUSE_INIT_PROJECT_NAME": "My Project",
    "LANGFUSE_INIT_PROJECT_PUBLIC_KEY": "pk-lf-1234567890",
    "LANGFUSE_INIT_PROJECT_SECRET_KEY": "sk-lf-1234567890",
    "LANGFUSE_INIT_USER_EMAIL": "user@example.com",
    "LANGFUSE_INIT_USER_NAME": "Ada Lovelace",
    "LANGFUSE_INIT_USER_PASSWORD": "password-from-langfuse",
}


@pytest.fixture
def langfuse_env(monkeypatch):
    for name, value in LANGFUSE_ENV.items():
        monkeypatch.setenv(name, value)


def test_bootstrap_reads_langfuse_init_variables(langfuse_env):
    call_command("bootstrap")
    project = Project.objects.select_related("organization").get()
    assert (project.id, project.name) == ("my-project", "My Project")
    assert (project.organization.id, project.organization.name) == ("my-org", "My Org")
    assert api_key_authenticate(public_key="pk-lf-1234567890", secret_key="sk-lf-1234567890").project == project
    created = user("user@example.com")
    assert created.first_name == "Ada Lovelace" and created.check_password("password-from-langfuse")
    assert owned("user@example.com") == {"My Org"}
    call_command("bootstrap")
    assert (Organization.objects.count(), Project.objects.count(), ApiKey.objects.count()) == (1, 1, 1)


def test_aistrale_init_variables_win_over_langfuse_ones(langfuse_env, monkeypatch):
    monkeypatch.setenv("AISTRALE_INIT_PROJECT_ID", "chosen-here")
    monkeypatch.setenv("AISTRALE_INIT_ORG_NAME", "Ours")
    call_command("bootstrap")
    project = Project.objects.select_related("organization").get()
    assert (project.id, project.name, project.organization.id) == ("chosen-here", "My Project", "my-org")
    assert project.organization.name == "Ours"


def test_a_chosen_project_id_is_kept_when_the_project_exists():
    call_command("bootstrap", org_id="org-1", project_id="proj-1", project_name="First name")
    call_command("bootstrap", org_id="org-1", project_id="proj-1", project_name="Renamed since")
    assert list(Project.objects.values_list("id", "name")) == [("proj-1", "First name")]


@pytest.mark.parametrize("option", ["org_id", "project_id"])
@pytest.mark.parametrize("bad_id", ["has space", "-leading-dash", "x" * 65, "slash/inside", "ünicode"])
def test_bootstrap_rejects_a_badly_formed_chosen_id(option, bad_id):
    with pytest.raises(CommandError, match=rf"{option}: .* is not a valid id: 1-64 letters"):
        call_command("bootstrap", **{option: bad_id})
    assert not Organization.objects.exists() and not Project.objects.exists()


def test_a_project_id_of_another_organization_is_refused():
    call_command("bootstrap", org_id="org-a", project_id="shared-id")
    with pytest.raises(CommandError, match="project_id: project 'shared-id' belongs to another organization"):
        call_command("bootstrap", org_id="org-b", org_name="B", project_id="shared-id")
    assert not Organization.objects.filter(pk="org-b").exists()


def test_a_chosen_org_id_clashing_with_an_existing_name_is_refused():
    call_command("bootstrap", org_name="Taken")
    with pytest.raises(CommandError, match="org_name: an organization named 'Taken' exists with another id"):
        call_command("bootstrap", org_id="new-id", org_name="Taken")


def test_a_chosen_project_id_clashing_with_an_existing_name_is_refused():
    call_command("bootstrap", org_id="org-1", project_name="Taken")
    with pytest.raises(CommandError, match="project_name: a project named 'Taken' exists in"):
        call_command("bootstrap", org_id="org-1", project_id="new-id", project_name="Taken")


def test_half_a_langfuse_key_pair_is_refused(monkeypatch):
    monkeypatch.setenv("LANGFUSE_INIT_PROJECT_PUBLIC_KEY", "pk-lf-1234567890")
    with pytest.raises(CommandError, match="give both a public and a secret key, or neither"):
        call_command("bootstrap")
    assert not ApiKey.objects.exists()


def test_an_overlong_user_name_is_refused():
    with pytest.raises(CommandError, match="user name: longer than 150 characters"):
        call_command("bootstrap", user_name="n" * 151)


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
