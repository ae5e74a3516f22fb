"""Reading a large dataset the way the SDK does: `get_dataset` fetches every item page by page.

    .venv/bin/python -m bench.dataset_reads                     # 10,000 items, PostgreSQL (aistrale_bench)
    .venv/bin/python -m bench.dataset_reads --items 2000 --database-url sqlite:////tmp/reads.sqlite3

Starts gunicorn (bench.server), stores N items in one dataset through the services (bulk creation, as an
import does; a re-run finds them), then times the real langfuse SDK's `get_dataset` at its default page size
and at 100, the same as of a version (the versioned read), and one page of /api/public/dataset-items.
Prints one JSON line per figure.
"""

import argparse
import datetime as dt
import json
import os
import time

from bench.server import DEFAULT_POSTGRES_URL, production_server

DATASET = "bench/reads"


def _store_items(environment: dict, count: int) -> None:
    """Put `count` items into the bench dataset (in this process, on the server's database)."""
    os.environ.update({key: environment[key] for key in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    from aistrale.tenancy.models import ApiKey
    from datasets.models import Dataset
    from datasets.services import dataset_create, item_build, item_create_many

    project = ApiKey.objects.get(public_key=environment["AISTRALE_INIT_PROJECT_PUBLIC_KEY"]).project
    dataset = Dataset.objects.filter(project=project, name=DATASET).first() or dataset_create(
        project=project, name=DATASET
    )
    stored = dataset.items.count()
    for start in range(stored, count, 1000):
        items = [
            item_build(
                dataset=dataset,
                item_id=f"bench-{index:06d}",
                input={"question": f"What is {index} + {index}?", "context": "x" * 200},
                expected_output=str(2 * index),
                metadata={"index": index},
            )
            for index in range(start, min(start + 1000, count))
        ]
        item_create_many(dataset=dataset, items=items)


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    with production_server(database_url=arguments.database_url, workers=arguments.workers) as server:
        _store_items(server.environment, arguments.items)
        from langfuse import Langfuse

        client = Langfuse(
            public_key=server.public_key, secret_key=server.secret_key, base_url=server.url, tracing_enabled=False
        )
        version = dt.datetime.now(dt.UTC)
        for label, kwargs in (
            ("get_dataset (SDK default page size 50)", {}),
            ("get_dataset (page size 100)", {"fetch_items_page_size": 100}),
            ("get_dataset as of a version (page size 100)", {"fetch_items_page_size": 100, "version": version}),
        ):
            seconds, dataset = _timed(lambda kwargs=kwargs: client.get_dataset(DATASET, **kwargs))
            assert len(dataset.items) == arguments.items, len(dataset.items)
            print(
                json.dumps(
                    {
                        "bench": "dataset_reads",
                        "figure": label,
                        "items": len(dataset.items),
                        "seconds": round(seconds, 3),
                        "items_per_second": round(len(dataset.items) / seconds),
                    }
                )
            )
        seconds, page = _timed(lambda: client.api.dataset_items.list(dataset_name=DATASET, page=50, limit=100))
        print(
            json.dumps(
                {"bench": "dataset_reads", "figure": "one page of 100 (page 50)", "ms": round(seconds * 1000, 1)}
            )
        )
        client.shutdown()


if __name__ == "__main__":
    main()
