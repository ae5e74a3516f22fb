from django.urls import path

from feedback.api.views import CommentDetailView, CommentsView

urlpatterns = [
    path("comments", CommentsView.as_view()),
    path("comments/<str:comment_id>", CommentDetailView.as_view()),
]
