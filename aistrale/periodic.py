"""A tiny periodic scheduler: `register_periodic(name, every_seconds, actor)` sends `actor` once per tick.

Register at start-up (an AppConfig.ready), with an actor that takes no arguments:

    register_periodic("alerts.evaluate", 60, evaluate_alert_rules)

A tick is each multiple of `every_seconds` since the Unix epoch; on each tick the actor's message is sent
once, whatever the number of processes. With REDIS_URL, every Dramatiq worker process runs a scheduler
thread (`PeriodicMiddleware` starts it when the worker boots) and the one that claims the tick in Redis
(`SET aistrale:periodic:<name>:<tick> NX`) sends it. On the embedded default (no REDIS_URL) the web process
(aistrale.wsgi) and the in-process worker start the thread in their own process; run one web process there.
Ticks that pass while no scheduler runs are skipped, not caught up, so the actor should be idempotent.
AISTRALE_PERIODIC=0 turns the scheduler threads off (the tests do, and drive `Scheduler` themselves).
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from django.conf import settings
from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)
MAX_SLEEP_SECONDS = 5.0


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    actor: dramatiq.Actor


_JOBS: dict[str, Periodic] = {}


def register_periodic(name: str, every_seconds: float, actor: dramatiq.Actor) -> None:
    """Send `actor` (no arguments) once every `every_seconds`; registering a name again replaces it."""
    if every_seconds <= 0:
        raise ValueError(f"every_seconds must be positive, got {every_seconds!r}")
    _JOBS[name] = Periodic(name=name, every_seconds=every_seconds, actor=actor)


Claim = Callable[[Periodic, int], bool]


def local_claim(job: Periodic, tick: int) -> bool:
    """The embedded default's claim: this process is the only scheduler."""
    return True


def redis_claim(client, namespace: str) -> Claim:
    """A claim that only one caller wins per job and tick, across processes, with a Redis SET NX."""

    def claim(job: Periodic, tick: int) -> bool:
        expiry = max(60, int(job.every_seconds * 2))
        return bool(client.set(f"{namespace}:periodic:{job.name}:{tick}", "1", nx=True, ex=expiry))

    return claim


class Scheduler:
    """Sends each registered job's actor on each of its ticks that this scheduler claims."""

    def __init__(self, *, claim: Claim):
        self.claim = claim
        self.seen: dict[str, int] = {}
        self.sent: deque[tuple[str, int]] = deque(maxlen=100)

    def run_due(self, now: float) -> list[tuple[str, int]]:
        """Claim and send the jobs whose current tick this scheduler has not handled yet: (name, tick) sent."""
        sent = []
        for job in list(_JOBS.values()):
            tick = int(now // job.every_seconds)
            if self.seen.get(job.name) == tick:
                continue
            self.seen[job.name] = tick
            if self.claim(job, tick):
                job.actor.send()
                sent.append((job.name, tick))
        self.sent.extend(sent)
        return sent

    def seconds_to_next_tick(self, now: float) -> float:
        waits = [(int(now // job.every_seconds) + 1) * job.every_seconds - now for job in _JOBS.values()]
        return min([MAX_SLEEP_SECONDS, *waits])


class SchedulerThread(threading.Thread):
    """Runs a scheduler until stopped."""

    def __init__(self, scheduler: Scheduler):
        super().__init__(name="aistrale-periodic", daemon=True)
        self.scheduler = scheduler
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                self.scheduler.run_due(time.time())
            except Exception:
                logger.exception("periodic scheduler tick failed")
            self.stopping.wait(self.scheduler.seconds_to_next_tick(time.time()))

    def stop(self) -> None:
        self.stopping.set()
        self.join()


_thread: SchedulerThread | None = None
_thread_lock = threading.Lock()


def _process_claim() -> Claim:
    if not settings.REDIS_URL:
        return local_claim
    import redis

    namespace = getattr(settings, "DRAMATIQ_NAMESPACE", "aistrale")
    return redis_claim(redis.Redis.from_url(settings.REDIS_URL), namespace)


def periodic_start() -> SchedulerThread | None:
    """Start this process's scheduler thread once (None when AISTRALE_PERIODIC is off)."""
    global _thread
    if not getattr(settings, "AISTRALE_PERIODIC", True):
        return None
    with _thread_lock:
        if _thread is None:
            _thread = SchedulerThread(Scheduler(claim=_process_claim()))
            _thread.start()
        return _thread


def periodic_stop() -> None:
    global _thread
    with _thread_lock:
        thread, _thread = _thread, None
    if thread is not None:
        thread.stop()


class PeriodicMiddleware(Middleware):
    """Runs the scheduler in each Dramatiq worker process (and in the in-process worker)."""

    def after_worker_boot(self, broker, worker):
        periodic_start()

    def before_worker_shutdown(self, broker, worker):
        periodic_stop()
