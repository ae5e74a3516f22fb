"""A media row that goes (its traces deleted, its project deleted) takes its stored file with it."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from observability.media.storage import media_file_delete_on_commit
from observability.models import Media


@receiver(post_delete, sender=Media, dispatch_uid="observability.media.file_delete")
def media_file_delete(sender, instance: Media, **kwargs):
    media_file_delete_on_commit(instance.storage_path)
