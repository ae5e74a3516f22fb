"""How every admin page shows money, durations, token counts and figures: one format each.

Empty (None) values show as "", so a template's `|default:"—"` decides what a blank looks like.
The API's wire numbers are not formatted here (see observability/api/serializers.py).
"""

from decimal import Decimal

EMPTY = ""
NO_FIGURE = "—"


def money(value: Decimal | float | None) -> str:
    """US dollars to the micro-dollar, as model prices are quoted: `$0.000600`."""
    return EMPTY if value is None else f"${value:.6f}"


def duration(seconds: float | None) -> str:
    """Seconds to the hundredth: `2.50s`."""
    return EMPTY if seconds is None else f"{seconds:.2f}s"


def tokens_in_out(input_tokens: int | None, output_tokens: int | None) -> str:
    """`120/30`: input and output tokens."""
    return f"{input_tokens or 0}/{output_tokens or 0}"


def tokens(total: int | None, input_tokens: int | None, output_tokens: int | None) -> str:
    """`150 (120/30)`: the total with its input/output split; "" when nothing was counted."""
    return f"{total} ({tokens_in_out(input_tokens, output_tokens)})" if total else EMPTY


def figure(value) -> str:
    """A figure in a table: floats rounded to what a reader compares, other values as they are."""
    if value is None:
        return NO_FIGURE
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def percent(ratio: float | None) -> str:
    """A share as a whole percentage: `75%`; "" when there is nothing to divide."""
    return EMPTY if ratio is None else f"{ratio:.0%}"
