"""A change of an LLM connection (its key, endpoint or headers) retires the gateway configuration memo."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from aistrale.llm.models import LlmConnection
from observability.gateway.config import gateway_config_bump


@receiver(post_save, sender=LlmConnection)
@receiver(post_delete, sender=LlmConnection)
def _connection_changed(sender, instance: LlmConnection, **kwargs):
    gateway_config_bump(project_id=instance.project_id)
