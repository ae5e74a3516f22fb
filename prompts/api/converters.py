"""The `prompt_name` path converter: a prompt name in a URL, `/` included.

Unlike Django's `path` converter it also matches a newline, and it never matches NUL: no stored name
holds one, and PostgreSQL cannot even compare text that does.
"""

from django.urls import register_converter
from django.urls.converters import PathConverter


class PromptNameConverter(PathConverter):
    regex = "[^\x00]+"


register_converter(PromptNameConverter, "prompt_name")
