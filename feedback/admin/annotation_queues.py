"""The annotation queues in the admin: settings for managers, the queue page (progress, agreement, saved filters)
and the annotator's page ("Start annotating", "Complete and next", "Skip")."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from aistrale.errors import DomainError
from aistrale.tenancy.admin_scoping import ManagersWriteAdmin, is_staff_member
from aistrale.tenancy.selectors import project_can_manage
from feedback.admin.annotation_forms import AnnotationForm, AnnotationQueueFilterForm, AnnotationQueueForm
from feedback.admin.annotation_subject import annotation_media_response, annotation_subject
from feedback.models import AnnotationItemStatus, AnnotationQueue, AnnotationQueueFilter
from feedback.selectors.annotation import (
    annotation_queue_agreement,
    annotation_queue_is_member,
    annotation_queue_list_for_user,
    annotation_queue_progress,
)
from feedback.services.annotation_claims import annotation_item_claim, annotation_item_complete, annotation_item_release
from feedback.services.annotation_filters import annotation_filter_run
from feedback.services.annotation_queues import annotation_queue_assign, annotation_queue_unassign

SKIPPED_SESSION_KEY = "annotation_skipped"


class AnnotationQueueFilterInline(admin.TabularInline):
    model = AnnotationQueueFilter
    form = AnnotationQueueFilterForm
    extra = 0
    readonly_fields = ("last_run_at",)


@admin.register(AnnotationQueue)
class AnnotationQueueAdmin(ManagersWriteAdmin):
    form = AnnotationQueueForm
    inlines = (AnnotationQueueFilterInline,)
    list_display = ("name", "project", "progress_display", "annotations_per_item", "start_link")
    list_select_related = ("project__organization",)
    search_fields = ("name",)
    ordering = ("name", "key")

    def get_queryset(self, request):
        return (
            annotation_queue_list_for_user(request.user)
            .select_related("project__organization")
            .annotate(
                done_count=Count("items", filter=Q(items__status=AnnotationItemStatus.COMPLETED)),
                pending_count=Count("items", filter=Q(items__status=AnnotationItemStatus.PENDING)),
            )
        )

    def has_module_permission(self, request):
        return is_staff_member(request.user) and annotation_queue_list_for_user(request.user).exists()

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or annotation_queue_list_for_user(request.user).filter(pk=obj.pk).exists()

    @admin.display(description="Done / pending")
    def progress_display(self, queue):
        return f"{queue.done_count} / {queue.pending_count}"

    @admin.display(description="")
    def start_link(self, queue):
        return format_html(
            '<a href="{}">Queue page</a> · <a class="button" href="{}">Start annotating</a>',
            reverse("admin:feedback_annotationqueue_page", args=[queue.key]),
            reverse("admin:feedback_annotationqueue_annotate", args=[queue.key]),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        queue = form.instance
        chosen = {user.pk for user in form.cleaned_data["annotators"]}
        current = set(queue.assignments.values_list("user_id", flat=True))
        for user_id in chosen - current:
            annotation_queue_assign(queue=queue, user_id=user_id)
        for user_id in current - chosen:
            annotation_queue_unassign(queue=queue, user_id=user_id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:key>/page/", view(self.queue_page_view), name="feedback_annotationqueue_page"),
            path("<int:key>/annotate/", view(self.annotate_view), name="feedback_annotationqueue_annotate"),
            path(
                "<int:key>/items/<int:item_key>/media/<str:media_id>/",
                view(self.media_view),
                name="feedback_annotationqueue_media",
            ),
            path(
                "<int:key>/filters/<int:filter_key>/run/",
                view(self.run_filter_view),
                name="feedback_annotationqueue_run_filter",
            ),
            *super().get_urls(),
        ]

    def _queue(self, request, key) -> AnnotationQueue:
        queue = annotation_queue_list_for_user(request.user).select_related("project").filter(key=key).first()
        if queue is None:
            raise Http404("No annotation queue of yours has this id.")
        return queue

    def _context(self, request, queue, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "queue": queue,
            "queue_url": reverse("admin:feedback_annotationqueue_page", args=[queue.key]),
            "annotate_url": reverse("admin:feedback_annotationqueue_annotate", args=[queue.key]),
            **extra,
        }

    def queue_page_view(self, request, key):
        queue = self._queue(request, key)
        can_manage = project_can_manage(request.user, queue.project)
        context = self._context(
            request,
            queue,
            title=f"Annotation queue {queue.name}",
            progress=annotation_queue_progress(queue=queue),
            agreement=annotation_queue_agreement(queue=queue),
            is_member=annotation_queue_is_member(queue=queue, user=request.user),
            can_manage=can_manage,
            filters=list(queue.filters.order_by("label")) if can_manage else [],
            change_url=reverse("admin:feedback_annotationqueue_change", args=[queue.key]) if can_manage else None,
        )
        return TemplateResponse(request, "feedback/admin/annotation_queue.html", context)

    def run_filter_view(self, request, key, filter_key):
        queue = self._queue(request, key)
        if request.method != "POST" or not project_can_manage(request.user, queue.project):
            raise PermissionDenied
        queue_filter = queue.filters.filter(pk=filter_key).first()
        if queue_filter is None:
            raise Http404("No such saved filter on this queue.")
        added = annotation_filter_run(queue_filter=queue_filter)
        messages.success(request, f"{queue_filter.label}: {added} trace(s) added to the queue.")
        return redirect("admin:feedback_annotationqueue_page", key=queue.key)

    def media_view(self, request, key, item_key, media_id):
        queue = self._queue(request, key)
        item = queue.items.select_related("project").filter(key=item_key).first()
        if item is None:
            raise Http404("This queue has no such item.")
        return annotation_media_response(item, media_id)

    def annotate_view(self, request, key):
        queue = self._queue(request, key)
        if not annotation_queue_is_member(queue=queue, user=request.user):
            raise PermissionDenied("Only the queue's annotators annotate it.")
        if request.GET.get("restart"):
            request.session[SKIPPED_SESSION_KEY] = {**request.session.get(SKIPPED_SESSION_KEY, {}), str(queue.key): []}
        skipped = request.session.get(SKIPPED_SESSION_KEY, {}).get(str(queue.key), [])
        configs = list(queue.score_configs.order_by("name"))
        form = None
        if request.method == "POST":
            item = annotation_item_claim(queue=queue, user=request.user, exclude_keys=skipped)
            if item is None or str(item.key) != request.POST.get("item"):
                messages.warning(request, "Your hold on that item lapsed; here is the next one.")
                return redirect("admin:feedback_annotationqueue_annotate", key=queue.key)
            if request.POST.get("action") == "skip":
                annotation_item_release(item=item, user=request.user)
                self._remember_skip(request, queue, item)
                return redirect("admin:feedback_annotationqueue_annotate", key=queue.key)
            form = AnnotationForm(request.POST, configs=configs)
            if form.is_valid():
                try:
                    annotation_item_complete(
                        item=item, user=request.user, values=form.values(), comment=form.cleaned_data["comment"]
                    )
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(request, f"Saved {item.object_type.lower()} {item.object_id}.")
                    return redirect("admin:feedback_annotationqueue_annotate", key=queue.key)
        else:
            item = annotation_item_claim(queue=queue, user=request.user, exclude_keys=skipped)
        if item is None:
            context = self._context(request, queue, title=f"{queue.name}: nothing left", skipped=len(skipped))
            return TemplateResponse(request, "feedback/admin/annotation_done.html", context)
        context = self._context(
            request,
            queue,
            title=f"Annotate: {queue.name}",
            item=item,
            form=form or AnnotationForm(configs=configs),
            progress=annotation_queue_progress(queue=queue),
            **annotation_subject(item),
        )
        return TemplateResponse(request, "feedback/admin/annotate.html", context)

    def _remember_skip(self, request, queue, item):
        skipped = request.session.get(SKIPPED_SESSION_KEY, {})
        skipped.setdefault(str(queue.key), []).append(item.key)
        request.session[SKIPPED_SESSION_KEY] = skipped
