"""The "Add to annotation queue" action on the trace, observation and session lists, and its queue page."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from aistrale.tenancy.models import MANAGING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from feedback.models import AnnotationObjectType, AnnotationQueue
from feedback.services.annotation_queues import annotation_items_add

OBJECT_TYPES = {
    "trace": AnnotationObjectType.TRACE,
    "observation": AnnotationObjectType.OBSERVATION,
    "session": AnnotationObjectType.SESSION,
}


def _queues_for(request):
    return (
        AnnotationQueue.objects.filter(
            project__in=project_list_for_user(request.user, roles=MANAGING_ROLES).values("pk")
        )
        .select_related("project")
        .order_by("project__name", "name")
    )


@admin.action(description="Add to annotation queue")
def add_to_annotation_queue(modeladmin, request, queryset):
    object_type = OBJECT_TYPES[modeladmin.extension_changelist]
    queues = _queues_for(request)
    chosen = request.POST.get("annotation_queue")
    if chosen:
        queue = queues.filter(key=chosen).first()
        if queue is None:
            messages.error(request, "Choose one of your annotation queues.")
            return None
        ids = list(queryset.filter(project=queue.project).values_list("id", flat=True))
        added = annotation_items_add(queue=queue, objects=[(object_type, object_id) for object_id in ids])
        left_out = queryset.count() - len(ids)
        note = f"; {left_out} of another project left out" if left_out else ""
        messages.success(request, f"{added} added to {queue.name} ({len(ids) - added} already there){note}.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Add to an annotation queue",
        "opts": modeladmin.opts,
        "queues": list(queues),
        "queryset": queryset,
        "count": queryset.count(),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "feedback/admin/add_to_queue.html", context)
