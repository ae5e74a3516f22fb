"""Audit membership and object-permission changes; retire memoized API keys on every key write."""

import hashlib

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from guardian.models import GroupObjectPermission, UserObjectPermission

from aistrale.generation_tokens import token_bump
from aistrale.tenancy.models import ApiKey, Membership, Project
from aistrale.tenancy.services import audit_record


def _membership_state(membership: Membership) -> dict:
    return {
        "user": membership.user_id,
        "organization": membership.organization_id,
        "project": membership.project_id,
        "role": membership.role,
    }


@receiver(pre_save, sender=Membership)
def _remember_membership(sender, instance: Membership, **kwargs):
    previous = Membership.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_before = _membership_state(previous) if previous else None


@receiver(post_save, sender=Membership)
def _audit_membership_saved(sender, instance: Membership, created: bool, **kwargs):
    after = _membership_state(instance)
    before = getattr(instance, "_audit_before", None)
    if before == after:
        return
    audit_record(
        action="membership.created" if created else "membership.changed",
        object_type="Membership",
        object_id=instance.pk,
        project=instance.project,
        before=before,
        after=after,
    )


@receiver(post_delete, sender=Membership)
def _audit_membership_deleted(sender, instance: Membership, **kwargs):
    audit_record(
        action="membership.deleted",
        object_type="Membership",
        object_id=instance.pk,
        project=Project.objects.filter(pk=instance.project_id).first(),
        before=_membership_state(instance),
    )


def _grant_state(grant) -> dict:
    holder = {"user": grant.user_id} if isinstance(grant, UserObjectPermission) else {"group": grant.group_id}
    return {
        **holder,
        "permission": grant.permission.codename,
        "contentType": grant.content_type.model,
        "objectPk": grant.object_pk,
    }


def _grant_project(grant):
    target = grant.content_object
    return getattr(target, "project", None) if target is not None else None


@receiver(post_save, sender=UserObjectPermission)
@receiver(post_save, sender=GroupObjectPermission)
def _audit_grant_saved(sender, instance, created: bool, **kwargs):
    if created:
        audit_record(
            action="grant.created",
            object_type=instance.content_type.model,
            object_id=instance.object_pk,
            project=_grant_project(instance),
            after=_grant_state(instance),
        )


@receiver(post_delete, sender=UserObjectPermission)
@receiver(post_delete, sender=GroupObjectPermission)
def _audit_grant_deleted(sender, instance, **kwargs):
    audit_record(
        action="grant.deleted",
        object_type=instance.content_type.model,
        object_id=instance.object_pk,
        project=_grant_project(instance),
        before=_grant_state(instance),
    )


def key_token_name(public_key: str) -> str:
    """The generation token of an API key, which aistrale.api.key_cache checks before serving its memo."""
    return "apikey:gen:" + hashlib.blake2b(public_key.encode(), digest_size=16).hexdigest()


@receiver(post_save, sender=ApiKey)
@receiver(post_delete, sender=ApiKey)
def _retire_memoized_key(sender, instance: ApiKey, **kwargs):
    """Revocation, role change or deletion is refused or seen on the next request in every worker."""
    token_bump(key_token_name(instance.public_key))
