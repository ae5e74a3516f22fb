"""/api/public/annotation-queues: queues (list, create, get), their items (CRUD) and assignments."""

from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView, ProjectListApiView
from feedback.api import annotation_schema as schema
from feedback.api.annotation_serializers import (
    AnnotationQueueAssignmentSerializer,
    AnnotationQueueCreateSerializer,
    AnnotationQueueItemCreateSerializer,
    AnnotationQueueItemQuerySerializer,
    AnnotationQueueItemSerializer,
    AnnotationQueueItemUpdateSerializer,
    AnnotationQueueSerializer,
)
from feedback.selectors.annotation import (
    annotation_item_get,
    annotation_item_list,
    annotation_queue_get,
    annotation_queue_list,
)
from feedback.services.annotation_queues import (
    annotation_item_create,
    annotation_item_delete,
    annotation_item_set_status,
    annotation_queue_assign,
    annotation_queue_create,
    annotation_queue_unassign,
)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class QueueMixin:
    def queue(self, request, queue_id):
        queue = annotation_queue_get(project=request.auth.project, queue_id=queue_id)
        if queue is None:
            raise NotFound(f"Annotation queue {queue_id!r} not found in this project")
        return queue

    def item(self, request, queue_id, item_id):
        item = annotation_item_get(queue=self.queue(request, queue_id), item_id=item_id)
        if item is None:
            raise NotFound(f"Item {item_id!r} not found in annotation queue {queue_id!r}")
        return item


@schema.queues
class AnnotationQueueListView(ProjectListApiView):
    serializer_class = AnnotationQueueSerializer

    def get_queryset(self):
        return annotation_queue_list(project=self.request.auth.project)

    def post(self, request):
        data = _valid(AnnotationQueueCreateSerializer, request.data)
        queue = annotation_queue_create(project=request.auth.project, **data)
        return Response(AnnotationQueueSerializer(queue).data)


@schema.queue_detail
class AnnotationQueueDetailView(QueueMixin, ProjectApiView):
    def get(self, request, queue_id):
        return Response(AnnotationQueueSerializer(self.queue(request, queue_id)).data)


@schema.items
class AnnotationQueueItemListView(QueueMixin, ProjectListApiView):
    serializer_class = AnnotationQueueItemSerializer

    def get_queryset(self):
        params = _valid(AnnotationQueueItemQuerySerializer, self.request.query_params)
        queue = self.queue(self.request, self.kwargs["queue_id"])
        return annotation_item_list(queue=queue, status=params.get("status")).select_related("queue")

    def post(self, request, queue_id):
        data = _valid(AnnotationQueueItemCreateSerializer, request.data)
        item = annotation_item_create(queue=self.queue(request, queue_id), **data)
        return Response(AnnotationQueueItemSerializer(item).data)


@schema.item_detail
class AnnotationQueueItemDetailView(QueueMixin, ProjectApiView):
    def get(self, request, queue_id, item_id):
        return Response(AnnotationQueueItemSerializer(self.item(request, queue_id, item_id)).data)

    def patch(self, request, queue_id, item_id):
        data = _valid(AnnotationQueueItemUpdateSerializer, request.data)
        item = self.item(request, queue_id, item_id)
        if data.get("status"):
            item = annotation_item_set_status(item=item, status=data["status"])
        return Response(AnnotationQueueItemSerializer(item).data)

    def delete(self, request, queue_id, item_id):
        annotation_item_delete(item=self.item(request, queue_id, item_id))
        return Response({"success": True, "message": "Item removed from the annotation queue"})


@schema.assignments
class AnnotationQueueAssignmentView(QueueMixin, ProjectApiView):
    def post(self, request, queue_id):
        data = _valid(AnnotationQueueAssignmentSerializer, request.data)
        queue = self.queue(request, queue_id)
        assignment = annotation_queue_assign(queue=queue, user_id=data["user_id"])
        return Response({"userId": str(assignment.user_id), "queueId": queue.id, "projectId": queue.project_id})

    def delete(self, request, queue_id):
        data = _valid(AnnotationQueueAssignmentSerializer, request.data)
        removed = annotation_queue_unassign(queue=self.queue(request, queue_id), user_id=data["user_id"])
        return Response({"success": removed})
