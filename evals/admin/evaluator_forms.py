"""The forms of the evaluator admin pages: a definition (new evaluator or next version), the library, try it."""

import json

from django import forms

from aistrale.limits import column_length
from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from evals.evaluators.library import LIBRARY
from evals.models import Evaluator, EvaluatorType, EvaluatorVersion


class IndentedJSONEncoder(json.JSONEncoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "indent": 2, "ensure_ascii": False})


def _json(rows: int, help_text: str) -> forms.JSONField:
    return forms.JSONField(
        required=False,
        encoder=IndentedJSONEncoder,
        widget=forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"}),
        help_text=help_text,
    )


def _writable_projects(user):
    return project_list_for_user(user, roles=WRITING_ROLES).select_related("organization")


class EvaluatorForm(forms.Form):
    """A whole definition; on an existing evaluator the project and type are fixed and saving makes a version."""

    project = forms.ModelChoiceField(queryset=None)
    name = forms.CharField(max_length=column_length(Evaluator, "name"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    type = forms.ChoiceField(choices=EvaluatorType.choices)
    prompt = _json(10, 'LLM judge: a JSON list of {"role", "content"} messages using {{input}}, {{output}}, ...')
    model_provider = forms.CharField(
        required=False, help_text="LLM judge and semantic similarity: the provider name of an LLM connection"
    )
    model = forms.CharField(required=False, help_text="The judge model, or the embeddings model")
    model_parameters = _json(3, 'LLM judge: e.g. {"temperature": 0, "max_tokens": 500}')
    check_config = _json(
        5,
        'Deterministic: {"kind": "exact_match" | "contains" | "regex" | "json_valid" | "levenshtein" | '
        '"numeric_tolerance" | "latency_threshold" | "cost_threshold", options}. Semantic similarity: '
        '{"threshold": 0.8} or empty.',
    )
    output_definition = _json(
        6,
        'The score: {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1} | {"dataType": "BOOLEAN"} | '
        '{"dataType": "CATEGORICAL", "categories": ["bad", "good"]}, optional "scoreName" and instructions. '
        "Deterministic and similarity evaluators derive the data type.",
    )
    variable_mapping = _json(4, 'Default mapping: [{"variable": "input", "source": "input", "jsonPath": null}]')

    def __init__(self, *args, evaluator: Evaluator | None, user, **kwargs):
        super().__init__(*args, **kwargs)
        if evaluator is None:
            self.fields["project"].queryset = _writable_projects(user)
        else:
            del self.fields["project"]
            self.fields["type"].disabled = True
            self.fields["type"].help_text = "An evaluator keeps its type."

    @staticmethod
    def initial_of(evaluator: Evaluator, version: EvaluatorVersion) -> dict:
        return {
            "name": evaluator.name,
            "description": evaluator.description,
            "type": evaluator.type,
            "prompt": version.prompt,
            "model_provider": version.model_provider,
            "model": version.model,
            "model_parameters": version.model_parameters or None,
            "check_config": version.check_config,
            "output_definition": version.output_definition,
            "variable_mapping": version.variable_mapping or None,
        }

    def definition(self) -> dict:
        data = self.cleaned_data
        return {
            "prompt": data["prompt"],
            "model_provider": data["model_provider"] or None,
            "model": data["model"] or None,
            "model_parameters": data["model_parameters"],
            "check_config": data["check_config"],
            "output_definition": data["output_definition"],
            "variable_mapping": data["variable_mapping"],
        }


class ConnectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, connection):
        return f"{connection.project} — {connection.provider} ({connection.get_adapter_display()})"


class LibraryForm(forms.Form):
    """A template, and the LLM connection (so the project) and model to judge with."""

    template = forms.ChoiceField(choices=[(key, template.name) for key, template in LIBRARY.items()])
    connection = ConnectionChoiceField(queryset=None, help_text="The evaluator goes into this connection's project")
    model = forms.CharField(help_text="The judge model, e.g. gpt-4.1-mini")
    name = forms.CharField(required=False, help_text="Defaults to the template's name")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].queryset = (
            LlmConnection.objects.filter(project__in=_writable_projects(user))
            .select_related("project__organization")
            .order_by("project__name", "provider")
        )


class TryForm(forms.Form):
    """Pasted values of the variables; JSON values (objects, numbers) are read as JSON, anything else as text."""

    def __init__(self, *args, variables: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in variables:
            self.fields[name] = forms.CharField(
                required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"})
            )

    def variables(self) -> dict:
        values = {}
        for name, text in self.cleaned_data.items():
            if text == "":
                continue
            try:
                values[name] = json.loads(text)
            except ValueError:
                values[name] = text
        return values
