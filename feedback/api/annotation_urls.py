from django.urls import path

from feedback.api import annotation_views as views

urlpatterns = [
    path("annotation-queues", views.AnnotationQueueListView.as_view()),
    path("annotation-queues/<str:queue_id>", views.AnnotationQueueDetailView.as_view()),
    path("annotation-queues/<str:queue_id>/items", views.AnnotationQueueItemListView.as_view()),
    path("annotation-queues/<str:queue_id>/items/<str:item_id>", views.AnnotationQueueItemDetailView.as_view()),
    path("annotation-queues/<str:queue_id>/assignments", views.AnnotationQueueAssignmentView.as_view()),
]
