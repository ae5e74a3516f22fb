"""gunicorn.conf.py's worker hook: a worker imports every view and freezes its heap before it serves."""

import gc
import runpy

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
