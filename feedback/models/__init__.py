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
    "ItemAnnotation",
]
