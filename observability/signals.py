"""A trace saved through the ORM (the admin, fixtures) keeps its trace_tag rows; ingestion syncs its own writes."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from observability.models import Trace
from observability.services.trace_tags import trace_tags_sync


@receiver(post_save, sender=Trace)
def _trace_saved(sender, instance: Trace, update_fields=None, **kwargs):
    if update_fields is None or "tags" in update_fields:
        trace_tags_sync(project_id=instance.project_id, trace_ids=[instance.id])
