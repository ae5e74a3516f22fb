"""The dataset import page: upload a CSV or JSON lines file, map its columns, preview the first rows, import.

`DatasetImportAdminMixin` adds the page (`import/`) to an admin; the rules live in datasets.imports.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from aistrale.tenancy.admin_scoping import has_projects
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from datasets.admin.comparison import preview
from datasets.imports.importer import ImportRefused, dataset_import
from datasets.imports.mapping import ColumnMapping, column_list
from datasets.imports.preview import import_preview, mapping_for_header
from datasets.imports.readers import FileError, format_of, read_rows, text_stream
from datasets.imports.uploads import upload_discard, upload_read, upload_store
from datasets.models import Dataset

FORMAT_CHOICES = [("", "from the file name"), ("csv", "CSV (header row)"), ("jsonl", "JSON lines")]


class DatasetImportForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none())
    file = forms.FileField(required=False, help_text="CSV with a header row, or JSON lines (one object a line)")
    upload = forms.CharField(required=False, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False)
    input = forms.CharField(initial="input", help_text="column(s) of the input; several make an object")
    expected_output = forms.CharField(required=False, help_text="column(s); blank: expected_output if present")
    metadata = forms.CharField(required=False, help_text="metadata column(s), comma-separated")
    id_column = forms.CharField(required=False, label="Id column", help_text="blank: new ids")
    json_columns = forms.CharField(required=False, help_text="CSV columns whose cells are JSON text")
    skip_invalid = forms.BooleanField(required=False, help_text="import the good rows and report the bad ones")

    def __init__(self, *args, datasets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = datasets

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("upload"):
            self.add_error("file", "choose a file to import")
        if "input" in cleaned and not column_list(cleaned["input"]):
            self.add_error("input", "name at least one column")
        return cleaned

    def mapping(self) -> ColumnMapping:
        data = self.cleaned_data
        expected = column_list(data["expected_output"])
        return ColumnMapping(
            input=column_list(data["input"]),
            **({"expected_output": expected} if expected else {}),
            metadata=column_list(data["metadata"]),
            id=data["id_column"].strip() or None,
            json_columns=frozenset(column_list(data["json_columns"])),
        )


def _stored_upload(form) -> tuple:
    """(path, file name) of the form's file, stored for the next step."""
    if form.cleaned_data.get("file"):
        token = upload_store(form.cleaned_data["file"])
        form.data = form.data.copy()
        form.data["upload"] = token
    return upload_read(form.data["upload"])


def _preview_context(result) -> dict:
    return {
        "header": result.header,
        "rows": [
            {
                "line": row.line,
                "raw": [preview(row.raw.get(name)) for name in result.header] if row.raw and result.header else None,
                "raw_json": preview(row.raw) if row.raw and not result.header else None,
                "fields": {name: preview(value) for name, value in row.fields.items()} if row.fields else None,
                "error": row.error,
            }
            for row in result.rows
        ],
    }


def _run_import(request, form, path, name: str, format: str) -> dict | None:
    """Import the stored file; the report's context, or None when the form got the error."""
    dataset = form.cleaned_data["dataset"]
    expected_given = bool(column_list(form.cleaned_data["expected_output"]))
    with open(path, "rb") as binary:
        header, rows = read_rows(text_stream(binary), format=format)
        mapping = mapping_for_header(form.mapping(), header, expected_output_given=expected_given)
        try:
            report = dataset_import(
                dataset=dataset,
                rows=rows,
                mapping=mapping,
                csv=header is not None,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ImportRefused as refused:
            return {"refused": True, "report": refused.report}
    upload_discard(path)
    messages.success(request, f"Imported {report.imported} items from {name} into {dataset.name}.")
    return {"refused": False, "report": report}


def import_view(model_admin, request):
    if not has_projects(request, WRITING_ROLES):
        raise PermissionDenied
    datasets = Dataset.objects.filter(project__in=project_list_for_user(request.user, roles=WRITING_ROLES))
    datasets = datasets.select_related("project").order_by("name", "key")
    form = DatasetImportForm(request.POST or None, request.FILES or None, datasets=datasets)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import dataset items",
        "form": form,
        "preview": None,
        "result": None,
    }
    if request.method == "POST" and form.is_valid():
        try:
            path, name = _stored_upload(form)
            format = format_of(name, form.cleaned_data["format"] or None)
            if "_import" in request.POST:
                context["result"] = _run_import(request, form, path, name, format)
            else:
                with open(path, "rb") as binary:
                    result = import_preview(
                        binary,
                        dataset=form.cleaned_data["dataset"],
                        format=format,
                        mapping=form.mapping(),
                        expected_output_given=bool(column_list(form.cleaned_data["expected_output"])),
                    )
                context["preview"] = _preview_context(result)
        except FileError as error:
            form.add_error("file", str(error))
        except ValueError as error:
            form.add_error(None, str(error))
        context["upload_name"] = form.data.get("upload") and upload_name(form.data["upload"])
    return TemplateResponse(request, "datasets/admin/import.html", context)


def upload_name(token: str) -> str | None:
    try:
        return upload_read(token)[1]
    except ValueError:
        return None


class DatasetImportAdminMixin:
    """The import page under this admin's URLs."""

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: import_view(self, request))
        return [path("import/", view, name="datasets_import"), *super().get_urls()]
