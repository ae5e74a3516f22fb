"""Annotators claiming the next item of one big queue at once, through the service layer on PostgreSQL.

    .venv/bin/python -m bench.annotation --database-url postgres://postgres@127.0.0.1:5432/aistrale_bench

Migrates that database, fills a queue with --items items (default 100,000), then runs --annotators
threads (default 20), each claiming the next item, completing it (no scores) and claiming again,
--claims times each. Prints one JSON line per figure (claims per second, p50/p99 claim latency) and
asserts that no item was held twice. The database's annotation rows of the bench project are replaced.
"""

import argparse
import json
import os
import statistics
import threading
import time


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aistrale.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _queue(items: int, annotators: int):
    from django.contrib.auth import get_user_model

    from aistrale.tenancy.models import Role
    from aistrale.tenancy.services import membership_set, organization_get_or_create, project_get_or_create
    from feedback.models import AnnotationQueue, AnnotationQueueItem
    from feedback.services.annotation_queues import annotation_queue_assign, annotation_queue_create

    project = project_get_or_create(organization=organization_get_or_create(name="Bench"), name="Annotation bench")
    AnnotationQueue.objects.filter(project=project).delete()
    queue = annotation_queue_create(project=project, name="bench", score_config_ids=[])
    AnnotationQueueItem.objects.bulk_create(
        (
            AnnotationQueueItem(project=project, queue=queue, object_type="TRACE", object_id=f"trace-{index}")
            for index in range(items)
        ),
        batch_size=5000,
    )
    users = []
    for index in range(annotators):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-annotator-{index}")
        membership_set(user=user, project=project, role=Role.ANNOTATOR)
        annotation_queue_assign(queue=queue, user_id=user.pk)
        users.append(user)
    return queue, users


def run(*, database_url: str, items: int, annotators: int, claims: int) -> None:
    _setup(database_url)
    from django.db import connection

    from feedback.services.annotation_claims import annotation_item_claim, annotation_item_complete

    queue, users = _queue(items, annotators)
    latencies: list[float] = []
    held: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users) + 1)

    def annotate(user):
        try:
            connection.ensure_connection()  # each thread's own connection, opened before the clock starts
            barrier.wait()
            for _ in range(claims):
                started = time.perf_counter()
                item = annotation_item_claim(queue=queue, user=user)
                latencies.append(time.perf_counter() - started)
                held.append(item.key)
                annotation_item_complete(item=item, user=user, values={})
        except BaseException as error:  # reported after the run
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=annotate, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    assert len(held) == len(set(held)), f"{len(held) - len(set(held))} item(s) were held twice"
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    common = {"items": items, "annotators": annotators, "claims": len(held)}
    print(json.dumps({"figure": "claims_per_second", "value": round(len(held) / elapsed, 1), **common}))
    print(json.dumps({"figure": "claim_p50_ms", "value": round(statistics.median(latencies) * 1000, 2), **common}))
    print(json.dumps({"figure": "claim_p99_ms", "value": round(p99 * 1000, 2), **common}))
    print(json.dumps({"figure": "items_held_twice", "value": 0, **common}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), required=False)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--claims", type=int, default=100, help="claims per annotator")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url (or DATABASE_URL) must name a PostgreSQL database")
    run(database_url=args.database_url, items=args.items, annotators=args.annotators, claims=args.claims)


if __name__ == "__main__":
    main()
