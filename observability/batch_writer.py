"""A process's batch writer: one thread storing what was queued within `seconds` of the first item (at most
`limit` units) with one call of `store(items)`, off the callers' path. `flush()` waits until everything
queued so far is stored (called at process exit too); a failing store is logged and the writer goes on."""

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

logger = logging.getLogger(__name__)
_FLUSH = object()


class BatchWriter:
    def __init__(self, *, name: str, store: Callable[[list], None], size: Callable = len, seconds: float, limit: int):
        self.name, self.store, self.size, self.seconds, self.limit = name, store, size, seconds, limit
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def put(self, item) -> None:
        self._queue.put(item)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _next_batch(self) -> tuple[list, int]:
        """The items that came within `seconds` of the first (a flush cuts it short), and how many were taken."""
        items, taken, count = [], 0, 0
        deadline = None
        while count < self.limit:
            timeout = None if deadline is None else deadline - time.monotonic()
            if timeout is not None and timeout <= 0:
                break
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                break
            taken += 1
            if item is _FLUSH:
                break
            items.append(item)
            count += self.size(item)
            deadline = deadline or time.monotonic() + self.seconds
        return items, taken

    def _run(self) -> None:
        while True:
            items, taken = self._next_batch()
            try:
                if items:
                    self._store(items)
            finally:
                for _ in range(taken):
                    self._queue.task_done()

    def _store(self, items: list) -> None:
        close_old_connections()
        try:
            self.store(items)
        except Exception:
            logger.exception("%s: a batch of %d items could not be stored", self.name, len(items))
        finally:
            close_old_connections()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued item is stored; False when that took longer than `timeout` seconds."""
        if self._thread is None:
            return True
        self._queue.put(_FLUSH)
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True
