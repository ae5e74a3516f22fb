from feedback.models.annotation import (
    AnnotationItemStatus,
    AnnotationObjectType,
    AnnotationQueue,
    AnnotationQueueAssignment,
    AnnotationQueueFilter,
    AnnotationQueueItem,
    ItemAnnotation,
)
from feedback.models.comments import COMMENT_MAX_CHARS, Comment, CommentObjectType
from feedback.models.feedback_settings import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE, FeedbackSettings

__all__ = [
    "COMMENT_MAX_CHARS",
    "AnnotationItemStatus",
    "AnnotationObjectType",
    "AnnotationQueue",
    "AnnotationQueueAssignment",
    "AnnotationQueueFilter",
    "AnnotationQueueItem",
    "Comment",
    "CommentObjectType",
    "FEEDBACK_MARKER_KEY",
    "FEEDBACK_MARKER_VALUE",
    "FeedbackSettings",
    "ItemAnnotation",
]
