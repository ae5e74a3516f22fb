"""A DomainError raised by a service, shown in the admin as an error of the form that sent the input.

Services name the field by its Python name, and admin forms name their fields the same way, so the error
lands on the field of that name (a nested field such as `content.0.role` or `filter[0].column` on its
head); an error of the whole input, or of a field the form does not show, is a form-wide error.
"""

import re

from django import forms

from aistrale.errors import DomainError

_REFUSED = "_aistrale_domain_error"


def form_error_add(form: forms.BaseForm, error: DomainError) -> None:
    """Put the service's error on the form field it names, else on the whole form."""
    head = re.split(r"[.\[]", error.field or "")[0]
    if head in form.fields:
        form.add_error(head, error.message if error.field == head else f"{error.field}: {error.message}")
    else:
        form.add_error(None, f"{error.field}: {error.message}" if error.field else error.message)


class DomainErrorsAsFormErrors:
    """ModelAdmin mixin: a DomainError from save_model (or save_related) shows the form again, with the error.

    Django's change form saves inside one transaction, so the refused write is rolled back when the error
    leaves the view; the view then runs once more with a form that carries the error, and renders it as
    any invalid form (the user's input kept).
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            if getattr(request, _REFUSED, None) is not None:
                raise
            setattr(request, _REFUSED, error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, _REFUSED, None)
        if error is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                form_error_add(self, error)
                return cleaned

        return RefusedForm
