"""One check for every list page and endpoint: the number of queries does not grow with the number of rows."""

import itertools
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

FEW_ROWS = 1
MORE_ROWS = 20


def queries_of(call: Callable[[], object]) -> list[str]:
    """The SQL of the queries one call makes."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    status = getattr(response, "status_code", 200)
    assert status == 200, f"the page answered {status}"
    return [query["sql"] for query in captured.captured_queries]


def assert_queries_constant(
    client_call: Callable[[], object],
    make_rows: Callable[[int], object],
    *,
    few: int = FEW_ROWS,
    more: int = MORE_ROWS,
) -> int:
    """With `few` rows made, then `more` rows added, `client_call` makes no more queries than before.

    `make_rows(n)` adds n rows to what the call lists; `client_call()` returns its response (200 expected).
    The first call is not counted: it fills per-process caches (content types, permissions). Returns the
    number of queries, for a test that also bounds it.
    """
    make_rows(few)
    client_call()
    baseline = queries_of(client_call)
    make_rows(more)
    grown = queries_of(client_call)
    assert len(grown) <= len(baseline), (
        f"{len(baseline)} queries listing {few} rows, {len(grown)} listing {few + more}:\n" + "\n".join(grown)
    )
    return len(baseline)


def rows_of(make_one: Callable[[int], object]) -> Callable[[int], None]:
    """A `make_rows` for assert_queries_constant: calls make_one(index) with a fresh index per row."""
    made = itertools.count()

    def make(count: int) -> None:
        for index in itertools.islice(made, count):
            make_one(index)

    return make
