from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from feedback.admin.trace_panel import trace_feedback_panel
        from feedback.policy import BrowserFeedbackPolicy
        from observability.extensions import register_browser_policy, register_page_panel

        register_browser_policy(BrowserFeedbackPolicy())
        register_page_panel("trace", trace_feedback_panel)
