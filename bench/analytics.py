"""Analytics at scale: the dashboard queries and three metrics-API queries over a million observations,
answered from the rollups and from raw rows side by side.

    .venv/bin/python -m bench.analytics                      # load 1 M observations (COPY), rebuild, time
    .venv/bin/python -m bench.analytics --drop               # the same, then drop the database

Loads ~250,000 traces with 4 observations each (a generation among them) and a score per trace over the
30 days before the current hour into a PostgreSQL database of its own, rebuilds the rollups of every hour
(timed), then runs each query through `metrics_query`'s rollup route and on raw rows (the same parsed
query, `query_run` without the rollup). Prints one JSON line per query (best of --samples, milliseconds,
with the load average), then the whole home dashboard page (every chart, rendered by Django's test client
as a logged-in superuser) and the first page of /metrics/daily, then EXPLAIN ANALYZE of the slowest answer
as served.
"""

import argparse
import io
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.read_api import _explain, _setup

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_rollups_bench"
TARGET_MS = 300
PAGE_TARGET_MS = 1000
NAMES = [f"agent-{index}" for index in range(8)]
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "llama-3-70b"]
TYPES = ["SPAN", "GENERATION", "SPAN", "EVENT"]
USERS = 5_000
NULL = "\\N"
TRACE_COLUMNS = "id, name, timestamp, user_id, release, environment, tags, public, bookmarked, derived_fields"
TRACE_COLUMNS += ", created_at, updated_at, project_id"
OBSERVATION_COLUMNS = (
    "id, trace_id, parent_observation_id, type, name, start_time, end_time, level, environment, model,"
    " usage_details, cost_details, provided_cost_details, input_tokens, output_tokens, total_tokens, total_cost,"
    " prompt_name, prompt_version, created_at, updated_at, project_id"
)
SCORE_COLUMNS = (
    "id, trace_id, name, value, data_type, source, environment, timestamp, created_at, updated_at, project_id"
)


def _load(project_id: str, traces: int, start: datetime, span: timedelta, chunk: int = 25_000) -> float:
    """COPY traces, observations and scores; the seconds it took."""
    from django.db import connection

    began, rng = time.perf_counter(), random.Random(13)
    step = span / traces
    connection.ensure_connection()
    raw = connection.connection
    for first in range(0, traces, chunk):
        trace_rows, observation_rows, score_rows = io.StringIO(), io.StringIO(), io.StringIO()
        for index in range(first, min(first + chunk, traces)):
            at = start + step * index
            stamp, trace_id = at.isoformat(), f"t{index:07d}"
            environment = "production" if index % 5 else "staging"
            trace_rows.write(
                f"{trace_id}\t{NAMES[index % len(NAMES)]}\t{stamp}\tu{rng.randrange(USERS):05d}\tr{index % 3}"
                f'\t{environment}\t["{"beta" if index % 4 == 0 else "ga"}"]\tf\tf\t0\t{stamp}\t{stamp}\t{project_id}\n'
            )
            offset = 0.0
            for position, kind in enumerate(TYPES):
                duration = rng.lognormvariate(-1.0, 1.0) if kind == "GENERATION" else rng.uniform(0.001, 0.05)
                begin, end = at + timedelta(seconds=offset), at + timedelta(seconds=offset + duration)
                offset += duration
                generation = kind == "GENERATION"
                tokens_in, tokens_out = (rng.randrange(50, 2000), rng.randrange(10, 500)) if generation else (0, 0)
                cost = f"{(tokens_in * 2.5 + tokens_out * 10) / 1e6:.12f}" if generation else NULL
                prompt = (f"prompt-{index % 3}", str(index % 5 + 1)) if generation else (NULL, NULL)
                level = "ERROR" if rng.random() < 0.02 else "DEFAULT"
                observation_rows.write(
                    f"o{index:07d}-{position}\t{trace_id}\t{f'o{index:07d}-0' if position else NULL}\t{kind}"
                    f"\tstep-{position}\t{begin.isoformat()}\t{end.isoformat()}\t{level}\t{environment}"
                    f"\t{rng.choice(MODELS) if generation else NULL}\t{{}}\t{{}}\t{{}}\t{tokens_in}\t{tokens_out}"
                    f"\t{tokens_in + tokens_out}\t{cost}\t{prompt[0]}\t{prompt[1]}\t{stamp}\t{stamp}\t{project_id}\n"
                )
            score_rows.write(
                f"sc{index:07d}\t{trace_id}\t{('helpfulness', 'accuracy', 'tone')[index % 3]}\t{rng.random():.4f}"
                f"\tNUMERIC\tAPI\t{environment}\t{stamp}\t{stamp}\t{stamp}\t{project_id}\n"
            )
        for table, columns, rows in (
            ("observability_trace", TRACE_COLUMNS, trace_rows),
            ("observability_observation", OBSERVATION_COLUMNS, observation_rows),
            ("evals_score", SCORE_COLUMNS, score_rows),
        ):
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(rows.getvalue())
        raw.commit()
        print(json.dumps({"benchmark": "analytics", "loaded_traces": min(first + chunk, traces)}), file=sys.stderr)
    autocommit, raw.autocommit = raw.autocommit, True
    with raw.cursor() as cursor:
        for table in ("observability_trace", "observability_observation", "evals_score"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    raw.autocommit = autocommit
    return time.perf_counter() - began


def _queries(start: datetime, end: datetime) -> dict[str, dict]:
    """name -> metrics query: the dashboard's charts, then three representative API queries."""
    window = {"fromTimestamp": start.isoformat(), "toTimestamp": (end - timedelta(microseconds=1)).isoformat()}
    day = {"timeDimension": {"granularity": "day"}}
    generations = [{"column": "type", "type": "string", "operator": "=", "value": "GENERATION"}]

    def query(view, metrics, **rest):
        return {**window, "view": view, "metrics": [{"measure": m, "aggregation": a} for m, a in metrics], **rest}

    percentiles = [("latency", "p50"), ("latency", "p95"), ("latency", "p99")]
    week = {"fromTimestamp": (end - timedelta(days=7)).isoformat(), "toTimestamp": window["toTimestamp"]}
    return {
        "cost_per_day_by_model": query(
            "observations", [("totalCost", "sum")], dimensions=[{"field": "providedModelName"}], **day
        ),
        "tokens_per_day": query("observations", [("inputTokens", "sum"), ("outputTokens", "sum")], **day),
        "trace_volume_per_day": query("traces", [("count", "count")], **day),
        "latency_percentiles_by_trace_name": query("traces", percentiles, dimensions=[{"field": "name"}]),
        "latency_percentiles_by_model": query(
            "observations", percentiles, dimensions=[{"field": "providedModelName"}], filters=generations
        ),
        "error_rate_per_day": query("observations", [("count", "count")], dimensions=[{"field": "level"}], **day),
        "score_averages_per_day": query("scores-numeric", [("value", "avg")], dimensions=[{"field": "name"}], **day),
        "top_users_by_cost": query(
            "traces",
            [("totalCost", "sum")],
            dimensions=[{"field": "userId"}],
            orderBy=[{"field": "totalCost_sum", "direction": "desc"}],
            config={"row_limit": 10},
        ),
        "cost_per_prompt_version": query(
            "observations",
            [("totalCost", "sum"), ("count", "count")],
            dimensions=[{"field": "promptName"}, {"field": "promptVersion"}],
        ),
        "api_hourly_cost_by_model_last_week": {
            **query(
                "observations",
                [("totalCost", "sum"), ("totalTokens", "avg")],
                dimensions=[{"field": "providedModelName"}],
                filters=[{"column": "environment", "type": "string", "operator": "=", "value": "production"}],
                timeDimension={"granularity": "hour"},
                config={"row_limit": 1000},
            ),
            **week,
        },
        "api_traces_by_name_tagged": query(
            "traces",
            [("count", "count"), ("totalCost", "avg"), ("latency", "p95")],
            dimensions=[{"field": "name"}],
            filters=[{"column": "tags", "type": "arrayOptions", "operator": "any of", "value": ["beta"]}],
        ),
        "api_generation_tokens_by_trace_name": query(
            "observations",
            [("totalTokens", "sum"), ("latency", "avg")],
            dimensions=[{"field": "traceName"}],
            filters=generations,
        ),
    }


def _best(run, samples: int) -> tuple[float, list]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best, captured_best = None, []
    for _ in range(samples):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            run()
            elapsed = (time.perf_counter() - began) * 1000
        if best is None or elapsed < best:
            best, captured_best = elapsed, list(captured.captured_queries)
    return best, captured_best


def _page_ms(project, start: datetime, end: datetime, samples: int) -> tuple[float, int]:
    """Best wall time of the whole home dashboard page (every chart) through Django's test client, and its
    query count."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="analytics-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    params = {
        "project": str(project.pk),
        "from": start.date().isoformat(),
        "to": (end - timedelta(microseconds=1)).date().isoformat(),
    }

    def run():
        response = client.get("/admin/observability/dashboard/home/", params)
        if response.status_code != 200:
            raise SystemExit(f"dashboard page answered {response.status_code}: {response.content[:300]!r}")

    best, captured = _best(run, samples)
    return best, len(captured)


def _daily_ms(project, samples: int) -> float:
    """Best time of the first page (50 days) of GET /metrics/daily as its view answers it, from the rollups."""
    from observability.analytics.daily import (
        daily_days,
        daily_details,
        daily_model_totals,
        daily_rollups_refresh,
        daily_traces,
    )

    def run():
        daily_rollups_refresh(project=project)
        days = list(daily_days(daily_traces(project=project))[:50])
        daily_details(model_totals=daily_model_totals(project=project), days=days)

    return _best(run, samples)[0]


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ANALYTICS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--traces", type=int, default=250_000)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--raw-samples", type=int, default=1, help="samples of the raw side of a rolled query")
    parser.add_argument("--drop", action="store_true", help="drop the database when done")
    options = parser.parse_args()
    _setup(options.database_url)
    from aistrale.tenancy.models import Project
    from observability.analytics.query import query_parse, query_run
    from observability.analytics.rollups import rollups_rebuild
    from observability.models import Observation, ObservationHour

    project = Project.objects.order_by("created_at").first()
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=30)
    if not Observation.objects.filter(project=project).exists():
        seconds = _load(project.pk, options.traces, start, end - start)
        print(json.dumps({"benchmark": "analytics", "figure": "load_seconds", "value": round(seconds, 1)}))
    else:
        start, end = _stored_range(project)
    if not ObservationHour.objects.filter(project=project).exists():
        began = time.perf_counter()
        hours = rollups_rebuild(project_id=project.pk, start=start, end=end - timedelta(microseconds=1))
        print(
            json.dumps(
                {
                    "benchmark": "analytics",
                    "figure": "rollups_rebuild_seconds",
                    "hours": hours,
                    "value": round(time.perf_counter() - began, 1),
                    "load": _load_average(),
                }
            )
        )
        _vacuum("observability_observationhour", "observability_tracetotals", "observability_tracemodeltotals")
    observations = Observation.objects.filter(project=project).count()
    slowest = (0.0, "", [])
    for name, query in _queries(start, end).items():
        parsed = query_parse(query)
        rolled = parsed.spec.rollup(parsed, project) if parsed.spec.rollup else None
        raw_samples = options.raw_samples if rolled is not None else options.samples
        raw_ms, raw_queries = _best(lambda parsed=parsed: query_run(parsed, project=project), raw_samples)
        figure = {"benchmark": "analytics", "query": name, "observations": observations, "raw_ms": round(raw_ms, 1)}
        served_ms, served_queries = raw_ms, raw_queries
        if rolled is not None:
            served_ms, served_queries = _best(
                lambda parsed=parsed: query_run(parsed.spec.rollup(parsed, project), project=project), options.samples
            )
            figure["rollup_ms"] = round(served_ms, 1)
        figure.update(answered_from="rollup" if rolled is not None else "raw", under_target=served_ms < TARGET_MS)
        print(json.dumps({**figure, "load": _load_average()}), flush=True)
        if served_ms > slowest[0]:
            slowest = (served_ms, name, served_queries)
    page_ms, page_queries = _page_ms(project, start, end, options.samples)
    page = {"benchmark": "analytics", "figure": "dashboard_page_ms", "observations": observations}
    page.update(value=round(page_ms, 1), queries=page_queries, under_target=page_ms < PAGE_TARGET_MS)
    print(json.dumps({**page, "load": _load_average()}), flush=True)
    daily = {"benchmark": "analytics", "query": "metrics_daily_first_page", "observations": observations}
    daily_ms = _daily_ms(project, options.samples)
    daily.update(rollup_ms=round(daily_ms, 1), answered_from="rollup", under_target=daily_ms < TARGET_MS)
    print(json.dumps({**daily, "load": _load_average()}), flush=True)
    served_ms, name, captured = slowest
    main_sql = max(captured, key=lambda query: len(query["sql"]))["sql"]
    print(f"-- EXPLAIN ANALYZE of the slowest answer as served: {name} ({served_ms:.0f} ms)")
    print(_explain(main_sql))
    if options.drop:
        _drop(options.database_url)


def _vacuum(*tables: str) -> None:
    """VACUUM (ANALYZE): fresh statistics, and a visibility map that lets index-only scans skip the heap."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _stored_range(project) -> tuple[datetime, datetime]:
    from django.db.models import Max

    from observability.models import Trace

    latest = Trace.objects.filter(project=project).aggregate(latest=Max("timestamp"))["latest"]
    end = latest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return end - timedelta(days=30), end


def _drop(database_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
