"""Live evaluation throughput: judged targets per minute by Dramatiq workers, the judge a fake provider
answering in 200 ms.

    .venv/bin/python -m bench.evaluation --database-url postgres://postgres@127.0.0.1:5432/aistrale_bench \\
        --redis-url redis://127.0.0.1:6379/1

Migrates that database, starts the local fake provider (tests/fakes/provider.py, every answer delayed by
--latency seconds) and `dramatiq aistrale.worker` with the README's concurrency (--processes 2 --threads 4),
waits until every worker process polls the queue (a broker id each in Redis's heartbeats), warms them up with
three jobs per thread, then writes --targets traces matching an enabled rule (settle delay 0), WRITE_BATCH
traces per write as ingestion requests do, and waits until every job has succeeded. Prints one JSON line per
figure: judged targets per minute, the bound that concurrency allows (processes x threads x 60 / latency), the
share of it reached, the mean time one job run takes (the judge's latency plus this server's own work) and the
worker processes' CPU time per judged target (less sensitive to a shared machine's load than the rate), with
the machine's load average.
The bench project's rules, jobs and traces are replaced.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-only-secret-key"
WRITE_BATCH = 500


def _environment(database_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "aistrale.settings",
    }


def _setup(env: dict) -> None:
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")})
    os.environ["DJANGO_SETTINGS_MODULE"] = env["DJANGO_SETTINGS_MODULE"]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _rule(provider):
    from aistrale.llm.models import LlmAdapter, LlmConnection
    from aistrale.tenancy.services import organization_get_or_create, project_get_or_create
    from evals.live.services import evaluation_rule_create
    from evals.models import EvaluationRule, Evaluator, EvaluatorType, EvaluatorVersion
    from observability.models import Trace

    project = project_get_or_create(organization=organization_get_or_create(name="Bench"), name="Evaluation bench")
    EvaluationRule.objects.filter(project=project).delete()
    Evaluator.objects.filter(project=project).delete()
    LlmConnection.objects.filter(project=project).delete()
    Trace.objects.filter(project=project).delete()
    LlmConnection.objects.create(
        project=project,
        id="bench-judge",
        provider="bench-judge",
        adapter=LlmAdapter.OPENAI,
        secret_key="sk-bench",
        base_url=provider.openai_url,
    )
    evaluator = Evaluator.objects.create(
        project=project, id="bench-correctness", name="correctness", type=EvaluatorType.LLM_AS_JUDGE
    )
    EvaluatorVersion.objects.create(
        project=project,
        id="bench-correctness-v1",
        evaluator=evaluator,
        version=1,
        prompt=[{"role": "user", "content": "Question: {{input}}\nAnswer: {{output}}"}],
        variables=["input", "output"],
        model_provider="bench-judge",
        model="judge-model",
        output_definition={"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
    )
    evaluation_rule_create(
        project=project,
        name="bench",
        enabled=True,
        target="trace",
        settle_delay_seconds=0,
        evaluator_assignments=[{"evaluator_id": evaluator.id}],
    )
    return project


def _write_traces(project, prefix: str, count: int) -> None:
    """Store `count` traces and hand them to live evaluation, as an ingestion request does after its write."""
    from django.utils import timezone

    from evals.live.jobs import live_writes_handle
    from observability.models import Trace

    ids = [f"{prefix}-{index}" for index in range(count)]
    for start in range(0, count, WRITE_BATCH):
        batch, now = ids[start : start + WRITE_BATCH], timezone.now()
        Trace.objects.bulk_create(
            [Trace(project=project, id=id_, timestamp=now, input={"q": id_}, output="a") for id_ in batch]
        )
        live_writes_handle(project_id=project.pk, trace_ids=batch, observation_ids=[])


def _wait_ready(processes: int, since_ms: int, timeout: float) -> None:
    """Wait until each worker process (its own broker id) polled Redis: Django, actors and provider SDKs loaded."""
    from aistrale.tasks import broker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker.client.zcount(f"{broker.namespace}:__heartbeats__", since_ms, "+inf") >= processes:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker processes were not ready in {timeout}s")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the process and its descendants still running, from /proc."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pending.extend(int(child) for child in children)
    return total


def _wait_done(project, expected: int, timeout: float) -> float:
    from django.db.models import Count

    from evals.models import EvaluationJob, JobStatus

    counts = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = dict(EvaluationJob.objects.filter(project=project).values_list("status").annotate(n=Count("key")))
        if counts.get(JobStatus.FAILED):
            raise RuntimeError(f"{counts[JobStatus.FAILED]} jobs failed")
        if counts.get(JobStatus.SUCCEEDED, 0) >= expected:
            return time.monotonic()
        time.sleep(0.2)
    raise RuntimeError(f"jobs not done in {timeout}s: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aistrale_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--targets", type=int, default=2400)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()

    env = _environment(args.database_url, args.redis_url)
    if args.database_url.startswith("postgres"):
        from bench.server import ensure_postgres_database

        ensure_postgres_database(args.database_url)
    _setup(env)
    from tests.fakes.provider import FakeProvider, Reply

    verdict = '{"reasoning": "fine", "score": 1}'
    with (
        FakeProvider(responder=lambda request: Reply(text=verdict, delay=args.latency)) as provider,
        tempfile.TemporaryFile() as worker_log,
    ):
        project = _rule(provider)
        since_ms = int(time.time() * 1000)
        worker = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dramatiq"),
                "aistrale.worker",
                "--processes",
                str(args.processes),
                "--threads",
                str(args.threads),
                "--queues",
                "evaluations",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=worker_log,
        )
        try:
            _wait_ready(args.processes, since_ms, timeout=300)
            warm_up = 3 * args.processes * args.threads
            _write_traces(project, "warm-up", warm_up)
            _wait_done(project, warm_up, timeout=120)
            started, cpu_before = time.monotonic(), _cpu_seconds(worker.pid)
            _write_traces(project, "bench", args.targets)
            finished = _wait_done(project, warm_up + args.targets, timeout=600)
            cpu_ms = (_cpu_seconds(worker.pid) - cpu_before) * 1000 / args.targets
        except RuntimeError:
            worker_log.seek(0)
            sys.stderr.write(worker_log.read()[-5000:].decode(errors="replace"))
            raise
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        from django.db.models import Avg

        from evals.models import EvaluationJob

        job_ms = EvaluationJob.objects.filter(project=project, trace_id__startswith="bench-").aggregate(
            mean=Avg("latency_ms")
        )["mean"]
    minutes = (finished - started) / 60
    per_minute = args.targets / minutes
    bound = args.processes * args.threads * 60 / args.latency
    concurrency = args.processes * args.threads
    common = {
        "targets": args.targets,
        "concurrency": concurrency,
        "judge_latency_s": args.latency,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps({"figure": "judged_targets_per_minute", "value": round(per_minute, 1), **common}))
    print(json.dumps({"figure": "concurrency_bound_per_minute", "value": round(bound, 1), **common}))
    print(json.dumps({"figure": "share_of_bound", "value": round(per_minute / bound, 3), "target": 0.9, **common}))
    print(json.dumps({"figure": "mean_job_run_ms", "value": round(job_ms, 1), **common}))
    print(json.dumps({"figure": "worker_cpu_ms_per_target", "value": round(cpu_ms, 2), **common}))


if __name__ == "__main__":
    main()
