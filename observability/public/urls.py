"""URLs of pages served without login (mounted under /public/)."""

from django.urls import path

from observability.public.views import public_media_view, public_trace_view

urlpatterns = [
    path("traces/<str:token>/", public_trace_view, name="observability_public_trace"),
    path("traces/<str:token>/media/<str:media_id>/", public_media_view, name="observability_public_trace_media"),
]
