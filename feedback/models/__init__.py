from feedback.models.annotation import (
    AnnotationItemStatus,
    AnnotationObjectType,
    AnnotationQueue,
    AnnotationQueueAssignment,
    AnnotationQueueFilter,
    AnnotationQueueItem,
    ItemAnnotation,
)

__all__ = [
    "AnnotationItemStatus",
    "AnnotationObjectType",
    "AnnotationQueue",
    "AnnotationQueueAssignment",
    "AnnotationQueueFilter",
    "AnnotationQueueItem",
    "ItemAnnotation",
]
