"""The feedback admin: per-project settings (allowed origins) and the feedback overview page."""

from feedback.admin.settings import FeedbackSettingsAdmin

__all__ = ["FeedbackSettingsAdmin"]
