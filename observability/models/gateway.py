"""Gateway routes: a model alias a client asks for, the (connection, model) targets it goes to, and per-key limits.

A request for `alias` tries its targets by position, failing over to the next on a 429, a 5xx, a timeout or
a refused connection. Targets with a weight above 0 form a split: the first attempt goes to one of them,
drawn by weight from the route's seeded generator, and the others follow by position.
"""

from django.core.validators import MinValueValidator
from django.db import models

from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import ApiKey, Project


class GatewayRoute(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    alias = models.CharField(max_length=255, help_text="The model name clients send, e.g. support-default")
    description = models.TextField(blank=True)
    split_seed = models.BigIntegerField(default=0, help_text="Seed of the weighted split (same seed, same draws)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "alias"], name="gateway_route_alias_unique")]

    def __str__(self):
        return self.alias


class GatewayTarget(models.Model):
    route = models.ForeignKey(GatewayRoute, on_delete=models.CASCADE, related_name="targets")
    connection = models.ForeignKey(LlmConnection, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=255, help_text="The provider's model name on that connection")
    position = models.PositiveSmallIntegerField(default=0, help_text="Failover order (lowest first)")
    weight = models.PositiveIntegerField(
        default=0, help_text="Share of first attempts in a split; 0: tried only in failover order"
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.connection.provider}/{self.model}"


class GatewayKeyLimit(models.Model):
    """Limits of one API key on the gateway (none set: unlimited)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    api_key = models.OneToOneField(ApiKey, on_delete=models.CASCADE, related_name="gateway_limit")
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    spend_per_day = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True, help_text="USD per UTC day"
    )

    def __str__(self):
        return f"limits of {self.api_key.public_key}"
