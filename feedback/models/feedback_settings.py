"""Per-project settings of browser feedback: the origins whose pages may post it."""

from django.db import models

from aistrale.tenancy.models import Project

FEEDBACK_MARKER_KEY = "feedbackSource"
FEEDBACK_MARKER_VALUE = "browser"


class FeedbackSettings(models.Model):
    """Browser feedback of one project; with no row (or no origins) no browser page may post it."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="feedback_settings")
    allowed_origins = models.TextField(
        blank=True,
        default="",
        help_text="One origin per line (scheme://host[:port]), e.g. https://app.example.com",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "feedback settings"
        verbose_name_plural = "feedback settings"

    def __str__(self):
        return f"Feedback settings of {self.project}"

    @property
    def origins(self) -> list[str]:
        return self.allowed_origins.split()
