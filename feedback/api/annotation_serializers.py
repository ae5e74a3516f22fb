"""Annotation queues on the wire (AnnotationQueue, AnnotationQueueItem and their requests), camelCase."""

from rest_framework import serializers

from feedback.models import AnnotationItemStatus, AnnotationObjectType


class AnnotationQueueSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    scoreConfigIds = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_scoreConfigIds(self, queue) -> list[str]:
        return [config.id for config in queue.score_configs.all()]


class AnnotationQueueCreateSerializer(serializers.Serializer):
    name = serializers.CharField(trim_whitespace=False)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)
    scoreConfigIds = serializers.ListField(source="score_config_ids", child=serializers.CharField(), allow_empty=True)


class AnnotationQueueItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    queueId = serializers.CharField(source="queue.id")
    objectId = serializers.CharField(source="object_id")
    objectType = serializers.ChoiceField(source="object_type", choices=AnnotationObjectType.choices)
    status = serializers.ChoiceField(choices=AnnotationItemStatus.values)
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class AnnotationQueueItemCreateSerializer(serializers.Serializer):
    objectId = serializers.CharField(source="object_id", trim_whitespace=False)
    objectType = serializers.ChoiceField(source="object_type", choices=AnnotationObjectType.choices)
    status = serializers.ChoiceField(choices=AnnotationItemStatus.values, required=False, allow_null=True)


class AnnotationQueueItemUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AnnotationItemStatus.values, required=False, allow_null=True)


class AnnotationQueueItemQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AnnotationItemStatus.values, required=False)


class AnnotationQueueAssignmentSerializer(serializers.Serializer):
    userId = serializers.CharField(source="user_id")


class AnnotationQueueAssignmentResponseSerializer(serializers.Serializer):
    userId = serializers.CharField()
    queueId = serializers.CharField()
    projectId = serializers.CharField()


class DeleteItemResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


class DeleteAssignmentResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
