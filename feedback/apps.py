from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from feedback.admin.annotation_actions import add_to_annotation_queue
        from observability.extensions import register_admin_action

        for changelist in ("trace", "observation", "session"):
            register_admin_action(changelist, add_to_annotation_queue)
