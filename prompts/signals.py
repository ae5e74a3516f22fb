"""Signals the prompt services send after commit; webhooks and other listeners connect here.

Each is sent with `project` and `payload` (a JSON-ready dict describing the change).
"""

from django.dispatch import Signal

prompt_version_created = Signal()
prompt_label_moved = Signal()
prompt_deleted = Signal()
