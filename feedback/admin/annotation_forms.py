"""The admin's annotation forms: a queue's settings and annotators, and the score form built from its configs."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from evals.models import ScoreConfig, ScoreDataType
from feedback.models import AnnotationQueue, AnnotationQueueFilter

BOOLEAN_CHOICES = [("1", "True"), ("0", "False")]


def annotator_choices(*, projects, queue):
    """Who may be assigned here: active staff members of these projects (any role, directly or through the
    organization), and whoever the queue already has; never users of other tenants."""
    members = Q(memberships__project__in=projects) | Q(
        memberships__organization__in=[project.organization_id for project in projects]
    )
    if queue.pk:
        members |= Q(pk__in=queue.assignments.values("user"))
    users = get_user_model().objects.filter(members, is_active=True, is_staff=True)
    return users.distinct().order_by("username")


class AnnotationQueueForm(forms.ModelForm):
    annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Users who annotate this queue; they see it (and only what it shows) in the admin.",
    )

    class Meta:
        model = AnnotationQueue
        fields = ("project", "name", "description", "score_configs", "annotations_per_item", "lock_seconds")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        projects = [self.instance.project] if self.instance.pk else list(self.fields["project"].queryset)
        self.fields["score_configs"].queryset = ScoreConfig.objects.filter(project__in=projects, is_archived=False)
        self.fields["score_configs"].widget = forms.CheckboxSelectMultiple()
        self.fields["annotators"].queryset = annotator_choices(projects=projects, queue=self.instance)
        if self.instance.pk:
            self.fields["annotators"].initial = [row.user_id for row in self.instance.assignments.all()]

    def clean(self):
        cleaned = super().clean()
        project = self.instance.project if self.instance.pk else cleaned.get("project")
        configs = cleaned.get("score_configs") or []
        other = [config for config in configs if project is None or config.project_id != project.pk]
        if other:
            self.add_error("score_configs", f"{other[0]} belongs to another project")
        return cleaned


class AnnotationQueueFilterForm(forms.ModelForm):
    class Meta:
        model = AnnotationQueueFilter
        fields = ("label", "trace_name", "tags", "user_id", "window", "score_name", "score_operator", "score_value")

    def clean(self):
        cleaned = super().clean()
        score_parts = [cleaned.get("score_name"), cleaned.get("score_operator"), cleaned.get("score_value")]
        if any(part not in (None, "") for part in score_parts) and any(part in (None, "") for part in score_parts):
            raise forms.ValidationError("A score condition needs a score name, an operator and a value.")
        tags = cleaned.get("tags")
        if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
            self.add_error("tags", 'must be a JSON list of strings, e.g. ["support"]')
        return cleaned


def config_field(config: ScoreConfig) -> forms.Field:
    """The form field a score config asks for."""
    options = {"label": config.name, "required": False, "help_text": config.description or ""}
    if config.data_type == ScoreDataType.NUMERIC:
        attrs = {"step": "any"}
        if config.min_value is not None:
            attrs["min"] = config.min_value
        if config.max_value is not None:
            attrs["max"] = config.max_value
        return forms.FloatField(
            min_value=config.min_value, max_value=config.max_value, widget=forms.NumberInput(attrs), **options
        )
    if config.data_type == ScoreDataType.BOOLEAN:
        return forms.TypedChoiceField(choices=BOOLEAN_CHOICES, coerce=int, widget=forms.RadioSelect, **options)
    if config.data_type == ScoreDataType.CATEGORICAL:
        labels = [(category["label"], category["label"]) for category in config.categories or []]
        return forms.ChoiceField(choices=labels, widget=forms.RadioSelect, **options)
    return forms.CharField(widget=forms.Textarea({"rows": 2}), **options)


class AnnotationForm(forms.Form):
    """One field per score config of the queue (named score_<config id>) and a comment."""

    def __init__(self, *args, configs: list[ScoreConfig], **kwargs):
        super().__init__(*args, **kwargs)
        self.configs = configs
        for config in configs:
            self.fields[f"score_{config.id}"] = config_field(config)
        self.fields["comment"] = forms.CharField(
            required=False, widget=forms.Textarea({"rows": 3}), help_text="Saved with each score you give."
        )

    def values(self) -> dict:
        """{config id: value} of the fields filled in."""
        return {
            config.id: self.cleaned_data[f"score_{config.id}"]
            for config in self.configs
            if self.cleaned_data.get(f"score_{config.id}") not in (None, "")
        }
