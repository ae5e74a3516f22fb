from django.conf import settings
from django.urls import path

from observability.media import views

UPLOAD_PREFIX = "/api/public/media/upload/"


def upload_body_limit() -> int:
    """Upload URLs take bodies up to the media limit, not the API's general body limit."""
    return settings.AISTRALE_MAX_MEDIA_BYTES


urlpatterns = [
    path("media", views.MediaUploadUrlView.as_view()),
    path("media/upload/<str:token>", views.MediaUploadView.as_view(), name="media-upload"),
    path("media/download/<str:token>", views.MediaDownloadView.as_view(), name="media-download"),
    path("media/<str:media_id>", views.MediaDetailView.as_view()),
]
