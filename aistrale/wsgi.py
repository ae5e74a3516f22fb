"""WSGI entry point (gunicorn aistrale.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aistrale.settings")
application = get_wsgi_application()

from aistrale.api.request_body import ChunkedBodies  # noqa: E402  (needs the settings configured above)

application = ChunkedBodies(application)
