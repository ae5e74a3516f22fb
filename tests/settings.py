"""Test settings: the real settings with a throwaway secret and fast password hashing."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "aistrale-tests-only-secret-key")

from aistrale.settings import *  # noqa: E402, F403

AISTRALE_PERIODIC = False  # tests drive aistrale.periodic.Scheduler themselves
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  in-process worker threads must not hold connections
DRAMATIQ_NAMESPACE = f"aistrale-test-{os.getpid()}"
CACHES["default"]["KEY_PREFIX"] = f"aistrale-test-{os.getpid()}"  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory default: live_server and in-process worker
    # threads then open their own connections and wait on locks instead of failing with
    # "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"aistrale-test-{os.getpid()}.sqlite3")}  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix=f"aistrale-test-media-{os.getpid()}-")
