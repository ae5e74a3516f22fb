from feedback.admin import annotation_queues  # noqa: F401
