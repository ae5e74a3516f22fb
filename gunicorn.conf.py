"""gunicorn settings, read from the working directory by every start (the Docker image's and the benchmarks').

Each worker is warmed before it serves: URL resolution imports every app's views on first use, which would
otherwise hold the GIL for a few hundred milliseconds under the worker's first requests; every thread of a
gthread worker's pool is started and opens its Redis connection for generation tokens (connect, handshake,
tracking: a few round trips and a package-metadata lookup of redis-py's) that would otherwise delay each
thread's first request. Then the objects that exist are frozen out of the cyclic garbage collector: a full
collection of a warm worker's heap (about 160,000 objects) stops every thread of the worker for tens to
hundreds of milliseconds, a stall streams and time to first token would show; after the freeze it only walks
what was made since.
"""

import gc
import threading

WARM_TIMEOUT_SECONDS = 10


def _warm_threads(worker) -> None:
    from aistrale.generation_tokens import tokens_connect

    pool, count = getattr(worker, "tpool", None), getattr(getattr(worker, "cfg", None), "threads", 0)
    if pool is None or count < 2:
        return
    together = threading.Barrier(count, timeout=WARM_TIMEOUT_SECONDS)

    def warm():
        try:
            tokens_connect()
        finally:
            together.wait()  # every task holds its thread until all have one: the pool starts them all

    for task in [pool.submit(warm) for _ in range(count)]:
        task.exception()


def post_worker_init(worker):
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the property imports every urlconf)
    _warm_threads(worker)
    gc.freeze()
