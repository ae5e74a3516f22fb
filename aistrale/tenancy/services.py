"""Writes for organizations, projects, memberships, API keys and the audit log."""

import hashlib
import hmac
import re
import secrets
import uuid

from django.db import transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.audit import current_audit_context
from aistrale.tenancy.models import ApiKey, AuditEvent, GenerationToken, Membership, Organization, Project, Role

PUBLIC_KEY_PREFIX = "pk-lf-"
SECRET_KEY_PREFIX = "sk-lf-"


CHOSEN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class ApiKeyFormatError(ValueError):
    pass


def audit_record(*, action: str, object_type: str, object_id: str, project=None, before=None, after=None):
    """Append an audit event attributed to the current actor."""
    context = current_audit_context()
    return AuditEvent.objects.create(
        actor=context.actor,
        actor_label=context.label,
        project=project,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        ip=context.ip,
    )


def api_key_secret_hash(secret_key: str) -> str:
    return hashlib.sha256(secret_key.encode()).hexdigest()


def api_key_secret_matches(api_key: ApiKey, secret_key: str) -> bool:
    return hmac.compare_digest(api_key.secret_hash, api_key_secret_hash(secret_key))


def _generate_key(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4()}"


def _chosen_id_check(value: str, *, field: str) -> str:
    if not CHOSEN_ID.fullmatch(value):
        raise DomainError(
            f"{value!r} is not a valid id: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field=field,
        )
    return value


def organization_get_or_create(*, name: str, id: str | None = None) -> Organization:
    """The organization with this id (created with this name if missing), or without an id the one named so."""
    if id is None:
        organization, _ = Organization.objects.get_or_create(name=name)
        return organization
    _chosen_id_check(id, field="org_id")
    organization = Organization.objects.filter(pk=id).first()
    if organization is not None:
        return organization
    if Organization.objects.filter(name=name).exists():
        raise DomainError(f"an organization named {name!r} exists with another id", field="org_name", status=409)
    return Organization.objects.create(id=id, name=name)


def project_get_or_create(*, organization: Organization, name: str, id: str | None = None) -> Project:
    """The project with this id (created with this name if missing), or without an id the one named so."""
    if id is None:
        project, _ = Project.objects.get_or_create(organization=organization, name=name)
        return project
    _chosen_id_check(id, field="project_id")
    project = Project.objects.filter(pk=id).first()
    if project is not None:
        if project.organization_id != organization.pk:
            raise DomainError(f"project {id!r} belongs to another organization", field="project_id", status=409)
        return project
    if organization.projects.filter(name=name).exists():
        message = f"a project named {name!r} exists in {organization.name!r} with another id"
        raise DomainError(message, field="project_name", status=409)
    return Project.objects.create(id=id, organization=organization, name=name)


def _chosen_key_check(key: str, *, field: str) -> None:
    """Chosen keys are any text Langfuse would take, short of what breaks Basic auth or the column."""
    if not key or any(character.isspace() for character in key) or ":" in key:
        raise ApiKeyFormatError(f"{field} must be non-empty, without spaces or ':'")
    if len(key) > column_length(ApiKey, "public_key"):
        raise ApiKeyFormatError(f"{field} is longer than {column_length(ApiKey, 'public_key')} characters")


@transaction.atomic
def api_key_create(
    *,
    project: Project,
    note: str = "",
    role: Role = Role.MEMBER,
    public_key: str | None = None,
    secret_key: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a key pair and return it with the plain secret, which is never stored.

    Generated keys are `pk-lf-`/`sk-lf-` plus a UUID; chosen ones (a deployment moving from Langfuse keeps
    its keys, the SDKs' CI uses `pk-lf-1234567890`) are taken as given, as Langfuse's headless set-up does.
    """
    if public_key is not None:
        _chosen_key_check(public_key, field="public key")
    if secret_key is not None:
        _chosen_key_check(secret_key, field="secret key")
    public_key = public_key or _generate_key(PUBLIC_KEY_PREFIX)
    secret_key = secret_key or _generate_key(SECRET_KEY_PREFIX)
    api_key = ApiKey.objects.create(
        project=project,
        note=note,
        role=role,
        public_key=public_key,
        secret_hash=api_key_secret_hash(secret_key),
        display_secret_key=f"{secret_key[:6]}...{secret_key[-4:]}",
    )
    audit_record(
        action="api_key.created",
        object_type="ApiKey",
        object_id=api_key.pk,
        project=project,
        after={"publicKey": public_key, "note": note, "role": role},
    )
    return api_key, secret_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            action="api_key.revoked",
            object_type="ApiKey",
            object_id=api_key.pk,
            project=api_key.project,
            before={"publicKey": api_key.public_key, "active": True},
            after={"publicKey": api_key.public_key, "active": False},
        )
    return api_key


def _api_key_state(api_key: ApiKey) -> dict:
    return {"publicKey": api_key.public_key, "role": api_key.role, "note": api_key.note}


@transaction.atomic
def api_key_update(*, api_key: ApiKey, role: str | None = None, note: str | None = None) -> ApiKey:
    """Change a key's role and/or note (None: keep it); a change is audited with the old and new values."""
    roles = [value for value, _ in ApiKey._meta.get_field("role").flatchoices]
    if role is not None and role not in roles:
        raise DomainError(f"must be one of {', '.join(roles)}, got {role!r}", field="role")
    if note is not None:
        text_check(note, field="note", max_length=column_length(ApiKey, "note"))
    stored = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    before = _api_key_state(stored)
    stored.role = stored.role if role is None else role
    stored.note = stored.note if note is None else note
    after = _api_key_state(stored)
    if after != before:
        stored.save(update_fields=["role", "note"])
        audit_record(
            action="api_key.updated",
            object_type="ApiKey",
            object_id=stored.pk,
            project=stored.project,
            before=before,
            after=after,
        )
    api_key.role, api_key.note = stored.role, stored.note
    return api_key


def api_key_authenticate(*, public_key: str, secret_key: str | None, token_key: str | None = None) -> ApiKey | None:
    """The active key for this pair (secret None: public key alone), or None.

    With `token_key`, the key's generation token row read in the same query, as `api_key.token` ("" if none).
    """
    keys = ApiKey.objects.select_related("project").filter(public_key=public_key, revoked_at__isnull=True)
    if token_key is not None:
        token = GenerationToken.objects.filter(name=token_key).values("value")[:1]
        keys = keys.annotate(token=Coalesce(Subquery(token), Value("")))
    api_key = keys.first()
    if api_key is None:
        return None
    if secret_key is not None and not api_key_secret_matches(api_key, secret_key):
        return None
    return api_key


def membership_set(*, user, role: Role, project: Project | None = None, organization=None) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, project=project, organization=organization, defaults={"role": role}
    )
    return membership


def password_generate() -> str:
    return secrets.token_urlsafe(18)
