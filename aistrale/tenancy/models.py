"""Organizations, projects, who belongs to them, their API keys and the audit log."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from aistrale.tenancy.ids import new_id


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"
    ANNOTATOR = "annotator", "Annotator"


MANAGING_ROLES = frozenset({Role.OWNER, Role.ADMIN})
WRITING_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})
READING_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER})


class Organization(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Project(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    metadata = models.JSONField(default=dict, blank=True)
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="project_name_unique_per_org"),
        ]

    def __str__(self):
        return f"{self.organization.name} / {self.name}"


class Membership(models.Model):
    """A user's role in a whole organization or in one project."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, project__isnull=True)
                | Q(organization__isnull=True, project__isnull=False),
                name="membership_org_xor_project",
            ),
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_org"),
            models.UniqueConstraint(fields=["user", "project"], name="membership_unique_project"),
        ]

    def __str__(self):
        return f"{self.user} is {self.role} of {self.project or self.organization}"


class ApiKey(models.Model):
    """A project's key pair; the secret is kept only as its SHA-256 hash."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    note = models.CharField(max_length=200, blank=True)
    role = models.CharField(
        max_length=16,
        choices=[(role.value, role.label) for role in (Role.OWNER, Role.ADMIN, Role.MEMBER)],
        default=Role.MEMBER,
        help_text="What the key may do: only owner/admin keys may move protected labels.",
    )
    public_key = models.CharField(max_length=100, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    display_secret_key = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"

    def __str__(self):
        return self.public_key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """An append-only record of a security-relevant action."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id}"


class GenerationToken(models.Model):
    """A generation token kept in the database when Redis is not the cache (see aistrale.generation_tokens)."""

    name = models.CharField(primary_key=True, max_length=200)
    value = models.CharField(max_length=32)

    class Meta:
        db_table = "aistrale_generation_token"

    def __str__(self):
        return self.name
