"""The forms of the prompt pages: a new version, a label move, the versions to compare.

Field names are the Python names the services use, so a service's DomainError lands on its field.
"""

import json

from django import forms
from django.core.exceptions import ValidationError

from aistrale.limits import column_length
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from prompts.models import COMMIT_MESSAGE_MAX_LENGTH, LABEL_MAX_LENGTH, Prompt, PromptType, TemplateEngine


def split_csv(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class IndentedJSONEncoder(json.JSONEncoder):
    """Shows JSON form fields indented, one key per line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "indent": 2})


class PromptVersionForm(forms.Form):
    """A new version; on an existing prompt the project and name are fixed."""

    project = forms.ModelChoiceField(queryset=None)
    name = forms.CharField(
        max_length=column_length(Prompt, "name"), help_text="Use / to put the prompt in folders, e.g. support/greeting."
    )
    type = forms.ChoiceField(choices=PromptType.choices)
    template_engine = forms.ChoiceField(choices=TemplateEngine.choices, initial=TemplateEngine.LANGFUSE)
    content = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "vLargeTextField prompt-content"}),
        help_text="Text prompt: the text, with {{variables}}. Chat prompt: a JSON list of "
        '{"role": ..., "content": ...} messages and {"type": "placeholder", "name": ...} placeholders.',
    )
    config = forms.JSONField(
        required=False,
        encoder=IndentedJSONEncoder,
        widget=forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        help_text="JSON object: model, temperature, tools, response schema ...",
    )
    labels = forms.CharField(required=False, help_text="Comma-separated labels to put on the new version.")
    tags = forms.CharField(required=False, help_text="Comma-separated tags of the prompt.")
    commit_message = forms.CharField(
        required=False, max_length=COMMIT_MESSAGE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, prompt: Prompt | None, prompt_type: str | None, user, **kwargs):
        super().__init__(*args, **kwargs)
        if prompt is None:
            self.fields["project"].queryset = project_list_for_user(user, roles=WRITING_ROLES).select_related(
                "organization"
            )
        else:
            del self.fields["project"], self.fields["name"]
            self.fields["type"].disabled = True
            self.fields["type"].help_text = "A prompt keeps its type; create another prompt for the other type."
        self.prompt_type = prompt_type

    def clean_content(self):
        content = self.cleaned_data["content"]
        if (self.prompt_type or self.data.get("type")) != PromptType.CHAT:
            return content
        try:
            return json.loads(content)
        except ValueError as error:
            raise ValidationError(f"a chat prompt is a JSON list of messages; this is not JSON: {error}") from error

    def clean_labels(self):
        return split_csv(self.cleaned_data["labels"])

    def clean_tags(self):
        return split_csv(self.cleaned_data["tags"])


class LabelForm(forms.Form):
    action = forms.ChoiceField(choices=[("set", "set"), ("remove", "remove")])
    label = forms.CharField(max_length=LABEL_MAX_LENGTH)
    version = forms.IntegerField(min_value=1)


class DiffForm(forms.Form):
    a = forms.TypedChoiceField(coerce=int, label="From version")
    b = forms.TypedChoiceField(coerce=int, label="To version")

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, f"v{number}") for number in reversed(numbers)]
        self.fields["a"].choices = self.fields["b"].choices = choices
