"""Datasets at size: a 100,000-row CSV import, a 10,000-item dataset read through the SDK, a 3 x 1,000 comparison.

    .venv/bin/python -m bench.datasets                       # PostgreSQL, as in production
    .venv/bin/python -m bench.datasets --rows 20000 --database-url sqlite:////tmp/datasets-bench.sqlite3

Starts gunicorn (2 workers) on a database of its own (aistrale_datasets_bench by default; every run uses
new dataset names, so re-runs need no cleanup). Figures, one JSON line each:

- import_rows_per_s: `manage.py import_dataset` of a generated --rows CSV (question, answer, two metadata
  columns) as a child process: rows/s over its whole wall time (Django start-up included) and its peak RSS
  (wait4), next to the peak RSS of importing a tenth of the rows: equal peaks show constant memory.
- sdk_dataset_fetch: `Langfuse.get_dataset` of a 10,000-item dataset, the SDK paging 50 items a request.
- comparison_page: the admin comparison page of 3 runs x 1,000 items (each with a trace, a generation with
  cost, two scores), logged in over HTTP: median and max of --samples loads. Aggregates and the bootstrap
  differences cover all items; the page shows the first 100 item rows (the rest are paged). Target: under 1 s.

Each line carries the 1-minute load average: on a shared machine wall times stretch with it, while the
import's CPU seconds (rows_per_cpu_s) do not.
"""

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench.server import ROOT, VENV_BIN, production_server

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_datasets_bench"
IMPORT_TARGET_ROWS_PER_S = 5000
PAGE_TARGET_MS = 1000
LOAD_RUNS = """
import datetime, random
from decimal import Decimal
from aistrale.tenancy.models import ApiKey
from datasets.models import Dataset, DatasetItem, DatasetRun, DatasetRunItem
from evals.models import Score
from observability.models import Observation, Trace
project = ApiKey.objects.get(public_key="{key}").project
dataset = Dataset.objects.get(project=project, name="{name}")
items = list(DatasetItem.objects.filter(dataset=dataset).order_by("created_at", "key")[:{items}])
now = datetime.datetime.now(datetime.UTC)
generator = random.Random(7)
keys = []
for run_index in range({runs}):
    run = DatasetRun.objects.create(
        project=project, dataset=dataset, id=f"{name}-run{{run_index}}", name=f"run {{run_index}}"
    )
    keys.append(run.key)
    traces, observations, scores, run_items = [], [], [], []
    for item in items:
        trace_id = f"{name}-r{{run_index}}-{{item.id}}"
        traces.append(Trace(project=project, id=trace_id, timestamp=now, output={{"answer": "a" * 80}}))
        observations.append(Observation(
            project=project, id=trace_id + "-gen", trace_id=trace_id, type="GENERATION", start_time=now,
            end_time=now + datetime.timedelta(milliseconds=generator.randint(200, 3000)),
            total_cost=Decimal("0.0004"), output="a" * 80,
        ))
        for name in ("accuracy", "helpfulness"):
            scores.append(Score(
                project=project, id=trace_id + name, trace_id=trace_id, name=name, timestamp=now,
                value=min(1.0, max(0.0, generator.gauss(0.6 + 0.05 * run_index, 0.2))),
            ))
        run_items.append(DatasetRunItem(
            project=project, id=trace_id, run=run, dataset_item_id=item.id, item_version=item.version,
            trace_id=trace_id,
        ))
    Trace.objects.bulk_create(traces, batch_size=1000)
    Observation.objects.bulk_create(observations, batch_size=1000)
    Score.objects.bulk_create(scores, batch_size=1000)
    DatasetRunItem.objects.bulk_create(run_items, batch_size=1000)
print(dataset.key, *keys)
"""


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["question", "answer", "lang", "topic"])
        for index in range(rows):
            writer.writerow([f"Question number {index}: what is {index} + {index}?", str(2 * index), "en", "math"])


def timed_import(server, path: Path, name: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in KiB) of import_dataset as a child process."""
    arguments = ["import_dataset", name, str(path), "--project", "Bench", "--input", "question"]
    arguments += ["--expected-output", "answer", "--metadata", "lang,topic", "--create"]
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), str(ROOT / "manage.py"), *arguments],
        env=server.environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    output = process.stdout.read().decode() + process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import_dataset failed: {output}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def admin_session(url: str) -> requests.Session:
    session = requests.Session()
    login = f"{url}/admin/login/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(login).text).group(1)
    data = {"username": "admin@example.com", "password": "bench-password", "csrfmiddlewaretoken": token}
    response = session.post(login, data=data, headers={"Referer": login}, allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError("admin login failed")
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATASETS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the import CSV")
    parser.add_argument("--sdk-items", type=int, default=10_000, help="items of the dataset the SDK reads")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--run-items", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=10, help="loads of the comparison page")
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    with production_server(database_url=args.database_url, workers=2) as server, tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.csv", Path(tmp) / "large.csv"
        write_csv(small, max(args.rows // 10, args.sdk_items, args.run_items))
        write_csv(large, args.rows)
        small_seconds, _, small_rss = timed_import(server, small, f"bench/{tag}/small")
        seconds, cpu_seconds, rss = timed_import(server, large, f"bench/{tag}/large")
        small_rows = max(args.rows // 10, args.sdk_items, args.run_items)
        line = {"benchmark": "datasets", "figure": "import_rows_per_s", "value": round(args.rows / seconds)}
        line |= {"unit": "rows/s", "rows": args.rows, "seconds": round(seconds, 2), "peak_rss_mib": round(rss / 1024)}
        line |= {"small_rows": small_rows, "small_seconds": round(small_seconds, 2)}
        line |= {"small_peak_rss_mib": round(small_rss / 1024), "target": IMPORT_TARGET_ROWS_PER_S}
        line |= {"cpu_seconds": round(cpu_seconds, 2), "rows_per_cpu_s": round(args.rows / cpu_seconds)}
        line |= {"load_average": round(os.getloadavg()[0], 1)}
        print(json.dumps(line), flush=True)

        from langfuse import Langfuse

        client = Langfuse(public_key=server.public_key, secret_key=server.secret_key, base_url=server.url)
        start = time.perf_counter()
        dataset = client.get_dataset(f"bench/{tag}/small")
        seconds = time.perf_counter() - start
        items = len(dataset.items)
        line = {"benchmark": "datasets", "figure": "sdk_dataset_fetch_items_per_s", "value": round(items / seconds)}
        line |= {"unit": "items/s", "items": items, "seconds": round(seconds, 2), "page_size": 50}
        line |= {"load_average": round(os.getloadavg()[0], 1)}
        print(json.dumps(line), flush=True)
        client.shutdown()

        name = f"bench/{tag}/small"
        script = LOAD_RUNS.format(key=server.public_key, name=name, items=args.run_items, runs=args.runs)
        dataset_key, *run_keys = server.manage("shell", "-c", script).split()[-1 - args.runs :]
        session = admin_session(server.url)
        page = f"{server.url}/admin/datasets/datasetrun/compare/"
        query = {"dataset": dataset_key, "runs": run_keys}
        durations = []
        for _ in range(args.samples + 1):
            start = time.perf_counter()
            response = session.get(page, params=query)
            durations.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200 or 'id="ds-items"' not in response.text:
                raise RuntimeError(f"comparison page answered {response.status_code}: {response.text[-3000:]}")
        durations = durations[1:]
        line = {"benchmark": "datasets", "figure": "comparison_page_ms", "value": round(statistics.median(durations))}
        line |= {"unit": "ms", "max": round(max(durations)), "runs": args.runs, "items": args.run_items}
        line |= {"bytes": len(response.content), "samples": args.samples, "target": PAGE_TARGET_MS}
        line |= {"rows_shown": 100, "load_average": round(os.getloadavg()[0], 1)}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
