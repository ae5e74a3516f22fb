"""gunicorn.conf.py's worker hook: a worker imports every view, starts its threads and freezes its heap before it
serves."""

import gc
import runpy
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from django.conf import settings
from django.urls import clear_url_caches, get_resolver


def test_worker_hook_loads_the_urlconf_and_freezes_the_heap():
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    clear_url_caches()
    gc.unfreeze()
    try:
        config["post_worker_init"](worker=None)
        assert "url_patterns" in vars(get_resolver())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_worker_hook_starts_every_thread_of_the_pool_and_connects_it(monkeypatch):
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    connected = set()
    monkeypatch.setattr("aistrale.generation_tokens.tokens_connect", lambda: connected.add(threading.get_ident()))
    worker = SimpleNamespace(tpool=ThreadPoolExecutor(max_workers=4), cfg=SimpleNamespace(threads=4))
    try:
        config["post_worker_init"](worker=worker)
    finally:
        worker.tpool.shutdown()
        gc.unfreeze()
    assert len(connected) == 4
