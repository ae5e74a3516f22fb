"""OpenAPI description of the annotation queues API."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from feedback.api.annotation_serializers import (
    AnnotationQueueAssignmentResponseSerializer,
    AnnotationQueueAssignmentSerializer,
    AnnotationQueueCreateSerializer,
    AnnotationQueueItemCreateSerializer,
    AnnotationQueueItemQuerySerializer,
    AnnotationQueueItemSerializer,
    AnnotationQueueItemUpdateSerializer,
    AnnotationQueueSerializer,
    DeleteAssignmentResponseSerializer,
    DeleteItemResponseSerializer,
)

QUEUE_ID = OpenApiParameter("queue_id", str, OpenApiParameter.PATH, description="The annotation queue's id")
ITEM_ID = OpenApiParameter("item_id", str, OpenApiParameter.PATH, description="The item's id")

queues = extend_schema_view(
    get=extend_schema(
        operation_id="annotationQueues_listQueues",
        description="The project's annotation queues, newest first.",
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(AnnotationQueueSerializer)},
    ),
    post=extend_schema(
        operation_id="annotationQueues_createQueue",
        description="Create a queue filling these score configs (400 for an unknown or archived config, 409 for a "
        "name already taken).",
        request=AnnotationQueueCreateSerializer,
        responses=AnnotationQueueSerializer,
    ),
)
queue_detail = extend_schema_view(
    get=extend_schema(
        operation_id="annotationQueues_getQueue",
        parameters=[QUEUE_ID],
        description="One annotation queue.",
        responses=AnnotationQueueSerializer,
    ),
)
items = extend_schema_view(
    get=extend_schema(
        operation_id="annotationQueues_listQueueItems",
        parameters=[QUEUE_ID, AnnotationQueueItemQuerySerializer, *PAGE_PARAMETERS],
        description="The queue's items, oldest first, optionally of one status.",
        responses={200: page_of(AnnotationQueueItemSerializer)},
    ),
    post=extend_schema(
        operation_id="annotationQueues_createQueueItem",
        parameters=[QUEUE_ID],
        description="Add a trace, observation or session to the queue; adding one already there answers that item.",
        request=AnnotationQueueItemCreateSerializer,
        responses=AnnotationQueueItemSerializer,
    ),
)
item_detail = extend_schema_view(
    get=extend_schema(
        operation_id="annotationQueues_getQueueItem",
        parameters=[QUEUE_ID, ITEM_ID],
        description="One item of the queue.",
        responses=AnnotationQueueItemSerializer,
    ),
    patch=extend_schema(
        operation_id="annotationQueues_updateQueueItem",
        parameters=[QUEUE_ID, ITEM_ID],
        description="Set the item's status (COMPLETED stamps completedAt; PENDING clears it).",
        request=AnnotationQueueItemUpdateSerializer,
        responses=AnnotationQueueItemSerializer,
    ),
    delete=extend_schema(
        operation_id="annotationQueues_deleteQueueItem",
        parameters=[QUEUE_ID, ITEM_ID],
        description="Remove the item from the queue.",
        responses={200: DeleteItemResponseSerializer},
    ),
)
assignments = extend_schema_view(
    post=extend_schema(
        operation_id="annotationQueues_createQueueAssignment",
        parameters=[QUEUE_ID],
        description="Assign a user (by id) to annotate the queue; it grants them the queue in the admin.",
        request=AnnotationQueueAssignmentSerializer,
        responses=AnnotationQueueAssignmentResponseSerializer,
    ),
    delete=extend_schema(
        operation_id="annotationQueues_deleteQueueAssignment",
        parameters=[QUEUE_ID],
        description="Remove a user from the queue (success false when they were not assigned).",
        request=AnnotationQueueAssignmentSerializer,
        responses={200: DeleteAssignmentResponseSerializer},
    ),
)
