"""WSGI entry point (gunicorn aistrale.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aistrale.settings")
application = get_wsgi_application()

from aistrale.api.request_body import ChunkedBodies  # noqa: E402  (needs the settings configured above)

application = ChunkedBodies(application)

from django.conf import settings  # noqa: E402

if not settings.REDIS_URL:
    from aistrale.periodic import periodic_start

    periodic_start()  # the embedded default: no Dramatiq workers run the periodic jobs, this process does
