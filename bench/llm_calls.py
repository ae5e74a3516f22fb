"""What tracing costs a provider call: calls.complete through the openai SDK to the local fake provider
(answering at once), with observability's call sink (a trace and a priced generation per call) and without.

    .venv/bin/python -m bench.llm_calls --database-url sqlite:////tmp/aistrale_llm_bench.sqlite3 --calls 300

Migrates that database, makes an LLM connection in a bench project, then runs --calls sequential calls each
way. Prints one JSON line per figure: p50/p99 call latency traced and untraced, and the traced overhead per
call (p50 difference); asserts that every traced call left its generation.
"""

import argparse
import json
import os
import statistics
import time


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aistrale.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(calls: int, call) -> list[float]:
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/aistrale_llm_bench.sqlite3")
    parser.add_argument("--calls", type=int, default=300)
    options = parser.parse_args()
    _setup(options.database_url)

    from aistrale.llm import calls, sink
    from aistrale.llm.services import llm_connection_upsert
    from aistrale.llm.sink import CallTrace
    from aistrale.llm.types import LlmRequest
    from aistrale.tenancy.services import organization_get_or_create, project_get_or_create
    from observability.models import Observation
    from observability.services.pricing import model_definition_seed
    from tests.fakes.provider import FakeProvider

    project = project_get_or_create(organization=organization_get_or_create(name="Bench"), name="LLM call bench")
    Observation.objects.filter(project=project).delete()
    model_definition_seed()
    request = LlmRequest(model="gpt-4o", messages=[{"role": "user", "content": "Is the answer relevant?"}])
    trace = CallTrace(project_id=project.pk, environment="aistrale-evaluation", name="bench call")
    with FakeProvider() as provider:
        connection, _ = llm_connection_upsert(
            project=project, provider="bench", adapter="openai", secret_key="sk-bench", base_url=provider.openai_url
        )

        def call():
            calls.complete(connection=connection, request=request, trace=trace)

        call()
        traced = _timed(options.calls, call)
        registered = list(sink._sinks)
        sink._sinks.clear()
        try:
            untraced = _timed(options.calls, call)
        finally:
            sink._sinks.extend(registered)
    stored = Observation.objects.filter(project=project).count()
    assert stored == options.calls + 1, f"{stored} generations stored for {options.calls + 1} traced calls"

    def ms(value: float) -> float:
        return round(value * 1000, 2)

    common = {"calls": options.calls, "database": options.database_url.split(":", 1)[0]}
    for name, latencies in (("traced", traced), ("untraced", untraced)):
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(json.dumps({"figure": f"llm_call_{name}_p50_ms", "value": ms(statistics.median(latencies)), **common}))
        print(json.dumps({"figure": f"llm_call_{name}_p99_ms", "value": ms(p99), **common}))
    overhead = statistics.median(traced) - statistics.median(untraced)
    print(json.dumps({"figure": "llm_call_tracing_overhead_p50_ms", "value": ms(overhead), **common}))


if __name__ == "__main__":
    main()
