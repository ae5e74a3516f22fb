"""Usage normalisation and cost at ingestion, from a per-process cache of the model price table."""

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q

from aistrale.limits import MAX_COUNT, MAX_MONEY, count_check, money_check
from observability.ingestion.values import FieldError
from observability.models import ModelDefinition

CACHE_SECONDS = 60
VERSION_KEY = "observability:model-prices-version"
USAGE_ALIASES = {
    "prompt_tokens": "input",
    "promptTokens": "input",
    "input_tokens": "input",
    "completion_tokens": "output",
    "completionTokens": "output",
    "output_tokens": "output",
    "total_tokens": "total",
    "totalTokens": "total",
    "cache_read_input_tokens": "input_cache_read",
    "cache_creation_input_tokens": "input_cache_creation",
}
OPERATORS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
}


def usage_fits(usage: dict[str, int], field: str) -> dict[str, int]:
    """Refuse usage whose sums (total, input and output tokens) overflow the token columns."""
    for name, units in zip(("input", "output", "total"), token_totals(usage), strict=True):
        if units > MAX_COUNT:
            raise FieldError(f"{field} adds up to more than {MAX_COUNT} {name} units ({units})")
    return usage


def normalize_usage(raw, field: str, *, legacy: bool = False) -> dict[str, int]:
    """Langfuse usage (usageDetails, OpenAI completion/response usage, legacy usage) as {type: units}.

    A flat map keeps its keys as sent (`usage_type` maps them to price types when costing), with
    `total` added when absent. The legacy usage object (`legacy`) and OpenAI usage with
    *_tokens_details are Langfuse's own shapes, renamed to input/output/total as Langfuse does: the
    details become input_<detail>/output_<detail> and are subtracted from input/output so the parts
    add up to the total. Nulls are unset; any other value that is not a whole number from 0 to
    2**63-1 is a DomainError naming it.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FieldError(f"{field} must be an object, got {type(raw).__name__}")
    renamed = legacy or any(key.endswith("_details") and isinstance(value, dict) for key, value in raw.items())
    usage: dict[str, int] = {}
    detailed: dict[str, int] = {"input": 0, "output": 0}
    for key, value in raw.items():
        if value is None:
            continue
        if key.endswith("_details") and isinstance(value, dict):
            side = "input" if key.startswith(("prompt", "input")) else "output"
            for detail, units in value.items():
                if units is not None and (units := count_check(units, field=f"{field}.{key}.{detail}")):
                    usage[f"{side}_{detail}"] = units
                    detailed[side] += units
            continue
        usage[USAGE_ALIASES.get(key, key) if renamed else key] = count_check(value, field=f"{field}.{key}")
    for side, units in detailed.items():
        if units and side in usage:
            usage[side] = max(usage[side] - units, 0)
    if usage and "total" not in usage:
        usage["total"] = token_totals(usage)[2]
    return usage_fits(usage, field)


def usage_type(key: str) -> str:
    """The price usage type of a usage key: OpenAI/Anthropic-style names map onto Langfuse's."""
    return USAGE_ALIASES.get(key, key)


def token_totals(usage: dict[str, int]) -> tuple[int, int, int]:
    """(input, output, total) units; the total as sent (`total`, else an alias of it) or the sum of the rest."""
    input_tokens = output_tokens = 0
    total = usage.get("total")
    rest = 0
    for key, units in usage.items():
        kind = usage_type(key)
        if kind == "total":
            total = units if total is None else total
            continue
        rest += units
        if "input" in kind:
            input_tokens += units
        elif "output" in kind:
            output_tokens += units
    return input_tokens, output_tokens, rest if total is None else total


def money(value, field: str) -> float:
    """A cost sent by the client: a number from 0 to below MAX_MONEY, else a DomainError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(f"{field} must be a number, got {value!r}")
    return float(money_check(value, field=field))


def provided_costs(raw, field: str) -> dict[str, float]:
    """Costs sent by the client as {usage type: cost}, with a total; nulls are unset."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FieldError(f"{field} must be an object, got {type(raw).__name__}")
    costs = {key: money(value, f"{field}.{key}") for key, value in raw.items() if value is not None}
    if costs and "total" not in costs:
        costs["total"] = money(sum(costs.values()), f"{field} (the sum)")
    return costs


@dataclass
class _Tier:
    priority: int
    is_default: bool
    conditions: list
    prices: dict[str, float]


@dataclass
class _Model:
    id: str
    pattern: re.Pattern
    start_date: datetime | None
    tiers: list[_Tier]
    is_global: bool

    def order(self) -> tuple:
        return (self.is_global, -self.start_date.timestamp() if self.start_date else float("inf"))


@dataclass
class PriceTable:
    """Project definitions before global ones, newest start date first within each."""

    models: list[_Model]
    matches: dict[str, list[_Model]] = field(default_factory=dict)

    def candidates(self, model_name: str) -> list[_Model]:
        found = self.matches.get(model_name)
        if found is None:
            found = [model for model in self.models if model.pattern.search(model_name)]
            self.matches[model_name] = found
        return found

    def find(self, model_name: str, at: datetime | None) -> _Model | None:
        for model in self.candidates(model_name):
            if model.start_date is None or at is None or model.start_date <= at:
                return model
        return None


def _condition_holds(condition: dict, usage: dict, parameters, metadata) -> bool:
    if "usageDetailPattern" in condition:
        flags = 0 if condition.get("caseSensitive") else re.IGNORECASE
        pattern = re.compile(condition["usageDetailPattern"], flags)
        total = sum(units for key, units in usage.items() if pattern.search(key))
        return OPERATORS[condition["operator"]](total, condition["value"])
    source = parameters if condition.get("source") == "model_parameters" else metadata
    if not isinstance(source, dict) or condition.get("key") not in source:
        return False
    return str(source[condition["key"]]) in condition.get("values", [])


def _select_tier(model: _Model, usage: dict, parameters, metadata) -> _Tier | None:
    default = None
    for tier in model.tiers:
        if tier.is_default:
            default = tier
        elif tier.conditions and all(_condition_holds(c, usage, parameters, metadata) for c in tier.conditions):
            return tier
    return default


def _load(project_id) -> PriceTable:
    rows = (
        ModelDefinition.objects.filter(Q(project_id=project_id) | Q(project__isnull=True))
        .prefetch_related("pricing_tiers")
        .order_by("-project_id", "model_name")
    )
    models = []
    for row in rows:
        try:
            pattern = re.compile(row.match_pattern)
        except re.error:
            continue
        tiers = [
            _Tier(tier.priority, tier.is_default, tier.conditions or [], tier.prices or {})
            for tier in sorted(row.pricing_tiers.all(), key=lambda tier: tier.priority)
        ]
        models.append(_Model(row.id, pattern, row.start_date, tiers, row.project_id is None))
    models.sort(key=_Model.order)
    return PriceTable(models)


_tables: dict = {}
_lock = threading.Lock()
_load_lock = threading.Lock()


def _fresh(entry, version) -> bool:
    return entry is not None and entry[0] == version and time.monotonic() - entry[1] <= CACHE_SECONDS


def price_table(project_id) -> PriceTable:
    """The project's price table, loaded at most once at a time per process (threads missing it wait for it)."""
    version = cache.get(VERSION_KEY, 0)
    entry = _tables.get(project_id)
    if not _fresh(entry, version):
        with _load_lock:
            entry = _tables.get(project_id)
            if not _fresh(entry, version):
                entry = (version, time.monotonic(), _load(project_id))
                with _lock:
                    _tables[project_id] = entry
    return entry[2]


def price_table_invalidate() -> None:
    """Called after a model definition changes: every process reloads on its next request."""
    with _lock:
        _tables.clear()
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


def _typed_usage(usage: dict[str, int]) -> dict[str, int]:
    """Usage keyed by price usage type (aliases summed), for tier conditions and a total-only price."""
    typed: dict[str, int] = {}
    for key, units in usage.items():
        kind = usage_type(key)
        if kind != "total":
            typed[kind] = typed.get(kind, 0) + units
    if usage:
        typed["total"] = token_totals(usage)[2]
    return typed


def calculate_cost(
    *, table: PriceTable, model_name: str, usage: dict, at=None, parameters=None, metadata=None
) -> tuple[str, dict[str, float]] | None:
    """(model definition id, {usage type: cost, "total": sum}) or None when no definition matches.

    Each usage key is priced as its price usage type (`usage_type`) when the tier prices that type,
    else under its own name; tier conditions see the usage by type.
    A cost the money columns cannot hold (0 to below MAX_MONEY) is left out: the usage is stored unpriced.
    """
    model = table.find(model_name, at)
    if model is None:
        return None
    typed = _typed_usage(usage)
    tier = _select_tier(model, typed, parameters, metadata)
    if tier is None:
        return model.id, {}
    costs: dict[str, Decimal] = {}
    for key, units in usage.items():
        kind = usage_type(key)
        price_key = kind if kind in tier.prices else key
        if kind != "total" and price_key in tier.prices:
            cost = Decimal(str(units)) * Decimal(str(tier.prices[price_key]))
            costs[price_key] = costs.get(price_key, Decimal(0)) + cost
    if not costs and "total" in tier.prices and "total" in typed:
        costs["total"] = Decimal(str(typed["total"])) * Decimal(str(tier.prices["total"]))
    elif costs:
        costs["total"] = sum(costs.values())
    if not all(0 <= cost < MAX_MONEY for cost in costs.values()):
        return model.id, {}
    return model.id, {key: float(cost) for key, cost in costs.items()}
