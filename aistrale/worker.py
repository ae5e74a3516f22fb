"""Dramatiq worker entry point: `dramatiq aistrale.worker` loads Django, every app's actors and the provider SDKs
(so a process's first jobs do not wait on their imports)."""

import importlib
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aistrale.settings")
django.setup()

from django.apps import apps  # noqa: E402

from aistrale.llm.calls import adapters_preload  # noqa: E402
from aistrale.tasks import broker  # noqa: E402, F401

for app_config in apps.get_app_configs():
    try:
        importlib.import_module(f"{app_config.name}.actors")
    except ModuleNotFoundError as error:
        if error.name != f"{app_config.name}.actors":
            raise

adapters_preload()
