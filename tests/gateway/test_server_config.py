"""gunicorn.conf.py's worker hook: a worker imports every view, freezes its heap and shortens the GIL's
switch interval before it serves."""

import gc
import runpy
import sys

from django.conf import settings
from django.urls import clear_url_caches, get_resolver


def test_worker_hook_loads_the_urlconf_freezes_the_heap_and_shortens_the_switch_interval():
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    clear_url_caches()
    gc.unfreeze()
    interval = sys.getswitchinterval()
    try:
        config["post_worker_init"](worker=None)
        assert "url_patterns" in vars(get_resolver())
        assert gc.get_freeze_count() > 0
        assert sys.getswitchinterval() == config["SWITCH_INTERVAL_SECONDS"] < interval
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
