"""The prompt list's side filters: folder and label, their choices among the prompts the user may see."""

from django.contrib import admin

from aistrale.tenancy.selectors import object_filter_visible
from prompts.models import Prompt
from prompts.selectors import prompt_folder_list, prompt_label_name_list

NO_FOLDER = "-"


class FolderFilter(admin.SimpleListFilter):
    """Folders are the name's prefix before the last `/`; a folder also shows its subfolders' prompts."""

    title = "folder"
    parameter_name = "folder"

    def lookups(self, request, model_admin):
        folders = prompt_folder_list(object_filter_visible(request.user, Prompt.objects.all()))
        return [(NO_FOLDER, "(no folder)"), *((folder, folder) for folder in folders)]

    def queryset(self, request, queryset):
        if self.value() == NO_FOLDER:
            return queryset.exclude(name__contains="/")
        if self.value():
            return queryset.filter(name__startswith=self.value() + "/")
        return queryset


class LabelFilter(admin.SimpleListFilter):
    title = "label"
    parameter_name = "label"

    def lookups(self, request, model_admin):
        names = prompt_label_name_list(object_filter_visible(request.user, Prompt.objects.all()))
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(labels__name=self.value()) if self.value() else queryset
