"""The provider SDKs load on a connection's first call, not when Django starts (commands start faster)."""

import os
import subprocess
import sys

from aistrale.llm import calls
from aistrale.llm.models import LlmAdapter, LlmConnection
from bench.server import ROOT

STARTED = """
import sys
import django
from django.urls import get_resolver
django.setup()
get_resolver().url_patterns
from django.contrib import admin
admin.autodiscover()
print(",".join(sorted(name for name in ("openai", "anthropic") if name in sys.modules)))
"""


def test_django_starts_without_importing_the_provider_sdks():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "aistrale.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", STARTED], env=environment, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_a_connection_loads_its_adapter_when_used():
    adapter = calls.adapter_of(LlmConnection(adapter=LlmAdapter.ANTHROPIC))
    assert adapter.__name__ == "aistrale.llm.adapters.anthropic_messages"
    assert "anthropic" in sys.modules
