"""Read paths at scale: the trace list, detail, sessions, v2 observation pages and admin pages over a million traces.

    .venv/bin/python -m bench.read_api --traces 1000000            # loads once (COPY), then times
    .venv/bin/python -m bench.read_api --traces 1000000 --samples 30   # re-run: the data is kept

Loads N traces with K observations each (default 4) into the bench project of a PostgreSQL database of
its own (aistrale_perf_bench by default) by COPY, once: a re-run finds them and only times. Requests go
through Django's test client in this process (every middleware, no socket), with Basic auth for the
API and a logged-in staff user for the admin. Prints one JSON line per target (p50, p95, max, queries),
then EXPLAIN ANALYZE of the slowest query of the three slowest targets, and whether any plan scans
the whole observation table.
"""

import argparse
import base64
import datetime
import io
import json
import os
import statistics
import sys
import time

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_perf_bench"
NAMES = [f"agent-{index}" for index in range(20)]
TAGS = ["prod", "beta", "eu", "us", "mobile", "web", "batch", "chat", "rag", "tools"]
USERS = 10_000
TRACES_PER_SESSION = 4
TYPES = ["SPAN", "GENERATION", "SPAN", "EVENT"]
SPAN = datetime.timedelta(days=30)
P95_TARGET_MS = 150
NULL = "\\N"
PAGE_TARGET_MS = 500

TRACE_COLUMNS = (
    "id, name, timestamp, user_id, session_id, release, version, environment, input, output, metadata, tags,"
    " public, bookmarked, derived_fields, created_at, updated_at, project_id"
)
OBSERVATION_COLUMNS = (
    "id, trace_id, parent_observation_id, type, name, start_time, end_time, completion_start_time, input, output,"
    " metadata, level, status_message, version, environment, model, model_parameters, usage_details, cost_details,"
    " provided_cost_details, input_tokens, output_tokens, total_tokens, total_cost, internal_model_id, prompt_name,"
    " prompt_version, created_at, updated_at, project_id"
)


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("AISTRALE_INIT_PROJECT_PUBLIC_KEY", "pk-lf-read-bench")
    os.environ.setdefault("AISTRALE_INIT_PROJECT_SECRET_KEY", "sk-lf-read-bench-secret")
    os.environ.setdefault("AISTRALE_INIT_PROJECT_NAME", "Read bench")
    os.environ.setdefault("AISTRALE_INIT_USER_PASSWORD", "bench-password")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.server import ensure_postgres_database

    ensure_postgres_database(database_url)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("bootstrap", stdout=io.StringIO())


def _trace_id(index: int) -> str:
    return f"t{index:08d}"


def _load(project_id: str, traces: int, per_trace: int, chunk: int = 50_000) -> dict:
    """COPY the traces and observations in chunks; returns rows and seconds per table."""
    from django.db import connection

    now = datetime.datetime.now(datetime.UTC)
    start = now - SPAN
    step = SPAN / traces
    figures = {"traces": 0, "observations": 0, "trace_seconds": 0.0, "observation_seconds": 0.0}
    connection.ensure_connection()
    raw = connection.connection
    for first in range(0, traces, chunk):
        trace_rows, observation_rows = io.StringIO(), io.StringIO()
        for index in range(first, min(first + chunk, traces)):
            at = start + step * index
            stamp = at.isoformat()
            session = f"s{index // TRACES_PER_SESSION:07d}" if index % 3 == 0 else "\\N"
            tags = json.dumps([TAGS[index % len(TAGS)], TAGS[(index // 7) % len(TAGS)]])
            trace_rows.write(
                f"{_trace_id(index)}\t{NAMES[index % len(NAMES)]}\t{stamp}\tu{index % USERS:05d}\t{session}\t\\N\t\\N"
                f'\tdefault\t{{"q": "question {index}"}}\t{{"a": "answer"}}\t{{}}\t{tags}\tf\tf\t0\t{stamp}\t{stamp}'
                f"\t{project_id}\n"
            )
            for position in range(per_trace):
                begin = (at + datetime.timedelta(milliseconds=100 * position)).isoformat()
                end = (at + datetime.timedelta(milliseconds=100 * position + 80)).isoformat()
                kind = TYPES[position % len(TYPES)]
                generation = kind == "GENERATION"
                parent = f"o{index:08d}-0" if position else "\\N"
                observation_rows.write(
                    f"o{index:08d}-{position}\t{_trace_id(index)}\t{parent}\t{kind}\tstep-{position}\t{begin}\t{end}"
                    f'\t\\N\t{{"in": {position}}}\t{{"out": {position}}}\t{{}}\tDEFAULT\t\\N\t\\N\tdefault'
                    f"\t{'gpt-4o-mini' if generation else NULL}\t\\N"
                    f'\t{{"input": 120, "output": 40}}\t{{}}\t{{}}\t{120 if generation else 0}'
                    f"\t{40 if generation else 0}\t{160 if generation else 0}"
                    f"\t{'0.000042' if generation else NULL}"
                    f"\t\\N\t\\N\t\\N\t{begin}\t{begin}\t{project_id}\n"
                )
        for table, columns, rows, key in (
            ("observability_trace", TRACE_COLUMNS, trace_rows, "trace"),
            ("observability_observation", OBSERVATION_COLUMNS, observation_rows, "observation"),
        ):
            began = time.perf_counter()
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(rows.getvalue())
            raw.commit()
            figures[f"{key}_seconds"] += time.perf_counter() - began
        figures["traces"] = min(first + chunk, traces)
        figures["observations"] = figures["traces"] * per_trace
        print(json.dumps({"benchmark": "read_api", "loading": figures["traces"]}), file=sys.stderr, flush=True)
    with raw.cursor() as cursor:
        cursor.execute(
            "INSERT INTO observability_session (id, environment, public, bookmarked, created_at, project_id)"
            " SELECT session_id, 'default', false, false, min(timestamp), project_id FROM observability_trace"
            " WHERE project_id = %s AND session_id IS NOT NULL GROUP BY project_id, session_id"
            " ON CONFLICT DO NOTHING",
            [project_id],
        )
        cursor.execute(
            "INSERT INTO observability_tracetag (project_id, tag, trace_key) SELECT DISTINCT project_id, tag, key"
            " FROM observability_trace, jsonb_array_elements_text(tags) AS tag WHERE project_id = %s",
            [project_id],
        )
    raw.commit()
    raw.autocommit = True
    with raw.cursor() as cursor:
        for table in (
            "observability_trace",
            "observability_observation",
            "observability_session",
            "observability_tracetag",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return figures


def _targets(traces: int, trace_key: int) -> dict[str, tuple[str, str]]:
    """name -> (kind, path): the API reads and admin pages to time."""
    middle = _trace_id(traces // 2)
    now = datetime.datetime.now(datetime.UTC)
    window = {"fromTimestamp": (now - datetime.timedelta(days=3)).isoformat(), "toTimestamp": now.isoformat()}
    deep = (now - datetime.timedelta(days=25)).isoformat()
    from urllib.parse import urlencode

    return {
        "trace_list": ("api", "/api/public/traces"),
        "trace_list_user": ("api", "/api/public/traces?userId=u00042"),
        "trace_list_tag": ("api", "/api/public/traces?tags=rag"),
        "trace_list_name": ("api", "/api/public/traces?name=agent-7"),
        "trace_list_time_range": ("api", f"/api/public/traces?{urlencode(window)}"),
        "trace_list_page_100": ("api", "/api/public/traces?page=100"),
        "trace_detail": ("api", f"/api/public/traces/{middle}"),
        "session_list": ("api", "/api/public/sessions"),
        "observations_v2_first_page": ("api", "/api/public/v2/observations?limit=50"),
        "observations_v2_deep_page": ("api", f"/api/public/v2/observations?limit=50&toStartTime={deep}"),
        "observations_v2_deep_cursor": ("cursor", f"/api/public/v2/observations?limit=50&toStartTime={deep}"),
        "admin_trace_changelist": ("admin", "/admin/observability/trace/"),
        "admin_trace_page": ("admin", f"/admin/observability/trace/{trace_key}/change/"),
    }


def _time(client, path: str, headers: dict, samples: int) -> tuple[list[float], list[dict], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durations, slowest_queries, status = [], [], 0
    for _ in range(samples):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(path, **headers)
            durations.append((time.perf_counter() - began) * 1000)
        status = response.status_code
        if not slowest_queries or durations[-1] >= max(durations):
            slowest_queries = list(captured.captured_queries)
    return durations, slowest_queries, status


def _cursor_path(client, path: str, headers: dict, pages: int) -> str:
    """The path of the page `pages` cursor steps past the first."""
    for _ in range(pages):
        cursor = client.get(path.split("&cursor=")[0] if "&cursor=" in path else path, **headers).json()["meta"]
        path = f"{path.split('&cursor=')[0]}&cursor={cursor['cursor']}"
    return path


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_READ_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--observations-per-trace", type=int, default=4)
    parser.add_argument("--samples", type=int, default=20, help="requests per target")
    args = parser.parse_args()
    _setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.test import Client

    from aistrale.tenancy.models import ApiKey
    from observability.models import Observation, Trace

    api_key = ApiKey.objects.select_related("project").get(public_key=os.environ["AISTRALE_INIT_PROJECT_PUBLIC_KEY"])
    project = api_key.project
    loaded = Trace.objects.filter(project=project).count()
    if loaded < args.traces:
        if loaded:
            parser.exit(2, f"{loaded} traces already loaded, fewer than --traces: use a fresh --database-url\n")
        figures = _load(project.pk, args.traces, args.observations_per_trace)
        rows = figures["traces"] + figures["observations"]
        seconds = figures["trace_seconds"] + figures["observation_seconds"]
        print(
            json.dumps(
                {
                    "benchmark": "read_api",
                    "figure": "load_rows_per_s",
                    "value": round(rows / seconds),
                    "unit": "rows/s",
                    **figures,
                }
            )
        )
    observations = Observation.objects.filter(project=project).count()
    authorization = (
        "Basic "
        + base64.b64encode(f"{api_key.public_key}:{os.environ['AISTRALE_INIT_PROJECT_SECRET_KEY']}".encode()).decode()
    )
    api, admin = Client(), Client()
    admin.force_login(get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.first())
    trace_key = Trace.objects.get(project=project, id=_trace_id(args.traces // 2)).key
    results = []
    for name, (kind, path) in _targets(args.traces, trace_key).items():
        client, headers = (admin, {}) if kind == "admin" else (api, {"HTTP_AUTHORIZATION": authorization})
        if kind == "cursor":
            path = _cursor_path(client, path, headers, 20)
        client.get(path, **headers)
        durations, queries, status = _time(client, path, headers, args.samples)
        p95 = statistics.quantiles(durations, n=20)[-1] if len(durations) > 1 else durations[0]
        target = PAGE_TARGET_MS if kind == "admin" else P95_TARGET_MS
        line = {
            "benchmark": "read_api",
            "figure": f"{name}_p95",
            "value": round(p95, 1),
            "unit": "ms",
            "p50": round(statistics.median(durations), 1),
            "max": round(max(durations), 1),
            "status": status,
            "queries": len(queries),
            "target": target,
            "ratio_to_target": round(p95 / target, 3),
            "traces": loaded or args.traces,
            "observations": observations,
        }
        print(json.dumps(line), flush=True)
        slowest = max(queries, key=lambda query: float(query["time"]), default=None)
        results.append((p95, name, slowest))
    full_scans = []
    for p95, name, slowest in sorted(results, key=lambda found: found[0], reverse=True)[:3]:
        if slowest is None:
            continue
        plan = _explain(slowest["sql"])
        scans_observations = "Seq Scan on observability_observation" in plan
        full_scans += [name] if scans_observations else []
        print(
            json.dumps(
                {
                    "benchmark": "read_api",
                    "explain": name,
                    "p95": round(p95, 1),
                    "sql": slowest["sql"],
                    "seq_scan_on_observations": scans_observations,
                    "plan": plan.splitlines(),
                }
            )
        )
    print(
        json.dumps(
            {
                "benchmark": "read_api",
                "figure": "plans_scanning_all_observations",
                "value": len(full_scans),
                "unit": "count",
                "targets": full_scans,
                "target": 0,
            }
        )
    )


if __name__ == "__main__":
    main()
