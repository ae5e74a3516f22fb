"""Builders for alert tests: rules and the observations they watch."""

from datetime import timedelta
from decimal import Decimal

from observability.alerts.services import alert_rule_create
from tests.observability.factories import T0, make_observation, make_trace

NOW = T0 + timedelta(hours=1)


def make_rule(project, **fields):
    """A cost-per-hour rule over the last hour: warning at 1 USD/h, critical at 5 USD/h."""
    values = {
        "name": "spend",
        "metric": "cost_per_hour",
        "warning_threshold": 1.0,
        "critical_threshold": 5.0,
        "window_seconds": 3600,
        **fields,
    }
    return alert_rule_create(project=project, **values)


_numbers = iter(range(1, 1_000_000))


def spend(project, cost: float, *, at=NOW - timedelta(minutes=10), **fields):
    """An observation costing `cost` USD at `at` (in the default rule's window)."""
    number = next(_numbers)
    make_trace(project, f"t{number}", at=at)
    return make_observation(project, f"o{number}", f"t{number}", start=at, total_cost=Decimal(str(cost)), **fields)
