"""The playground's admin URLs, mounted by the prompts admin under /admin/prompts/prompt/playground/."""

from django.urls import path

from prompts.playground import views


def playground_urls(admin_site) -> list:
    wrap = admin_site.admin_view
    return [
        path("playground/", wrap(lambda request: views.page_view(request, admin_site)), name="prompts_playground"),
        path("playground/run/", wrap(views.run_view), name="prompts_playground_run"),
        path("playground/save/", wrap(views.save_view), name="prompts_playground_save"),
        path("playground/action/<str:name>/", wrap(views.action_view), name="prompts_playground_action"),
    ]
