"""gunicorn settings, read from the working directory by every start (the Docker image's and the benchmarks').

Each worker is warmed before it serves: URL resolution imports every app's views on first use, which would
otherwise hold the GIL for a few hundred milliseconds under the worker's first requests. Then the objects
that exist are frozen out of the cyclic garbage collector: a full collection of a warm worker's heap
(about 160,000 objects) stops every thread of the worker for tens to hundreds of milliseconds, a stall
streams and time to first token would show; after the freeze it only walks what was made since.
"""

import gc


def post_worker_init(worker):
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the property imports every urlconf)
    gc.freeze()
