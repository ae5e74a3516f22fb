from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from feedback.admin.panels import prompt_comments_panel, session_comments_panel, trace_comments_panel
        from feedback.services import comment_delete_for_traces
        from observability.extensions import register_page_panel, register_trace_deletion_handler
        from prompts.extensions import register_page_panel as register_prompt_page_panel

        register_page_panel("trace", trace_comments_panel)
        register_page_panel("session", session_comments_panel)
        register_trace_deletion_handler(comment_delete_for_traces)
        register_prompt_page_panel("prompt", prompt_comments_panel)
