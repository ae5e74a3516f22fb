"""Form pieces the datasets admin shares."""

from django import forms


class OptionalJSONField(forms.JSONField):
    """A JSON input shown empty (not `null`) when it holds nothing; empty means null."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), **kwargs)

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)
