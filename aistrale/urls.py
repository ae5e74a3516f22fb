"""Root URLs: the admin and every app's public API under /api/public/."""

from django.contrib import admin
from django.urls import include, path, re_path

from aistrale.api.views import api_not_found

api_modules = [  # prompts first: the prompt fetch is the hottest read and resolves in this order
    "prompts.api.urls",
    "aistrale.api.urls",
    "observability.api.urls",
    "observability.ingestion.urls",
    "evals.api.urls",
    "feedback.api.annotation_urls",
]

urlpatterns = [
    path("admin/", admin.site.urls),
    *[path("api/public/", include(module)) for module in api_modules],
    path("api/", include("prompts.api.compile_urls")),
    re_path(r"^api/", api_not_found),
]
