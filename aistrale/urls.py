"""Root URLs: the admin and every app's public API under /api/public/."""

from django.contrib import admin
from django.urls import include, path, re_path

from aistrale.api.views import api_not_found
from aistrale.operations.views import metrics_view

api_modules = [  # prompts first: the prompt fetch is the hottest read and resolves in this order
    "prompts.api.urls",
    "aistrale.api.urls",
    "aistrale.llm.api.urls",
    "observability.api.urls",
    "observability.ingestion.urls",
    "observability.media.urls",
    "evals.api.urls",
    "feedback.api.urls",
    "feedback.api.annotation_urls",
    "datasets.api.urls",
]

handler500 = "aistrale.api.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="operations-metrics"),
    path("public/", include("observability.public.urls")),
    *[path("api/public/", include(module)) for module in api_modules],
    path("api/", include("prompts.api.compile_urls")),
    path("api/v1/", include("observability.gateway.urls")),
    re_path(r"^api/", api_not_found),
]
