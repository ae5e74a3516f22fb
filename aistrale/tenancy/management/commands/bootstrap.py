"""Create (idempotently) an organization, project, API key pair and the user who owns the organization.

Each value comes from its flag, else `AISTRALE_INIT_*`, else Langfuse's own `LANGFUSE_INIT_*` (so a
deployment moving from Langfuse keeps its env file, ids and keys), else a default.
The user becomes a superuser only when there is none yet, or with --superuser.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aistrale.errors import DomainError
from aistrale.tenancy.audit import acting_as
from aistrale.tenancy.models import ApiKey, Role
from aistrale.tenancy.services import (
    ApiKeyFormatError,
    api_key_create,
    api_key_secret_matches,
    membership_set,
    organization_get_or_create,
    password_generate,
    project_get_or_create,
)

OPTIONS = {
    "org_id": ("ORG_ID", None),
    "org_name": ("ORG_NAME", "Default Organization"),
    "project_id": ("PROJECT_ID", None),
    "project_name": ("PROJECT_NAME", "Default Project"),
    "public_key": ("PROJECT_PUBLIC_KEY", None),
    "secret_key": ("PROJECT_SECRET_KEY", None),
    "user_email": ("USER_EMAIL", "admin@example.com"),
    "user_name": ("USER_NAME", None),
    "user_password": ("USER_PASSWORD", None),
}
PREFIXES = ("AISTRALE_INIT_", "LANGFUSE_INIT_")


def option_value(option: str, flag: str | None) -> str | None:
    """The flag, else the first of AISTRALE_INIT_*, LANGFUSE_INIT_* set to a non-empty value, else the default."""
    suffix, default = OPTIONS[option]
    candidates = [flag, *(os.environ.get(prefix + suffix) for prefix in PREFIXES)]
    return next((value for value in candidates if value), default)


class Command(BaseCommand):
    help = "Create an organization, project, API key and admin user from AISTRALE_INIT_* or flags (idempotent)."

    def add_arguments(self, parser):
        for option, (suffix, _) in OPTIONS.items():
            parser.add_argument(
                f"--{option.replace('_', '-')}",
                dest=option,
                help=f"defaults to $AISTRALE_INIT_{suffix}, then $LANGFUSE_INIT_{suffix}",
            )
        parser.add_argument(
            "--superuser", action="store_true", help="make the user a superuser even when there is one already"
        )

    def handle(self, *args, **options):
        values = {option: option_value(option, options[option]) for option in OPTIONS}
        if bool(values["public_key"]) != bool(values["secret_key"]):
            raise CommandError("give both a public and a secret key, or neither")
        name_length = get_user_model()._meta.get_field("first_name").max_length
        if values["user_name"] and len(values["user_name"]) > name_length:
            raise CommandError(f"user name: longer than {name_length} characters")
        try:
            with acting_as(label="bootstrap"), transaction.atomic():
                organization = organization_get_or_create(name=values["org_name"], id=values["org_id"])
                project = project_get_or_create(
                    organization=organization, name=values["project_name"], id=values["project_id"]
                )
                user, password = self._ensure_user(values, options["superuser"])
                membership_set(user=user, organization=organization, role=Role.OWNER)
                public_key, secret_key = self._ensure_key(project, values["public_key"], values["secret_key"])
        except DomainError as error:
            raise CommandError(f"{error.field}: {error.message}" if error.field else error.message) from error
        self.stdout.write(f"organization: {organization.name} ({organization.id})")
        self.stdout.write(f"project:      {project.name} ({project.id})")
        self.stdout.write(f"public key:   {public_key}")
        self.stdout.write(f"secret key:   {secret_key or '(unchanged; shown only when created)'}")
        role = "superuser, owner" if user.is_superuser else "owner"
        self.stdout.write(f"user:         {values['user_email']} ({role} of {organization.name})")
        self.stdout.write(f"password:     {password or '(unchanged)'}")

    def _ensure_user(self, values: dict, superuser: bool):
        """The user, created if missing (a superuser only if none exists yet or asked), and its password if known."""
        email, password, name = values["user_email"], values["user_password"], values["user_name"]
        user_model = get_user_model()
        superuser = superuser or not user_model.objects.filter(is_superuser=True).exists()
        user = user_model.objects.filter(username=email).first()
        if user is None:
            password = password or password_generate()
            create = user_model.objects.create_superuser if superuser else user_model.objects.create_user
            user = create(username=email, email=email, password=password, is_staff=True, first_name=name or "")
            return user, password
        changed = []
        if name and user.first_name != name:
            user.first_name = name
            changed.append("first_name")
        if password and not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if superuser and not (user.is_superuser and user.is_staff):
            user.is_superuser = user.is_staff = True
            changed += ["is_superuser", "is_staff"]
        if changed:
            user.save(update_fields=changed)
        return user, password

    def _ensure_key(self, project, public_key: str | None, secret_key: str | None) -> tuple[str, str | None]:
        existing = ApiKey.objects.filter(public_key=public_key).first() if public_key else None
        if existing is None and not public_key:
            existing = project.api_keys.filter(revoked_at__isnull=True, note="bootstrap").first()
        if existing is not None:
            if existing.project_id != project.pk:
                raise CommandError(f"public key {public_key} belongs to another project")
            if secret_key and not api_key_secret_matches(existing, secret_key):
                raise CommandError(f"public key {public_key} exists with a different secret key")
            return existing.public_key, secret_key
        try:
            api_key, secret_key = api_key_create(
                project=project, note="bootstrap", role=Role.ADMIN, public_key=public_key, secret_key=secret_key
            )
        except ApiKeyFormatError as error:
            raise CommandError(str(error)) from error
        return api_key.public_key, secret_key
