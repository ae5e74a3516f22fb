"""aistrale.display: the one format of money, durations, tokens and figures on every page."""

from decimal import Decimal

import pytest

from aistrale import display


@pytest.mark.parametrize(
    ("value", "shown"), [(None, ""), (Decimal("0.0006"), "$0.000600"), (0, "$0.000000"), (12.5, "$12.500000")]
)
def test_money(value, shown):
    assert display.money(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(None, ""), (0.0, "0.00s"), (2.499, "2.50s"), (61.0, "61.00s")])
def test_duration(value, shown):
    assert display.duration(value) == shown


def test_tokens():
    assert display.tokens(150, 120, 30) == "150 (120/30)"
    assert display.tokens(0, 0, 0) == "" and display.tokens(None, None, None) == ""
    assert display.tokens_in_out(40, None) == "40/0"


@pytest.mark.parametrize(
    ("value", "shown"), [(None, "—"), (3, "3"), (0.123456, "0.1235"), (1234.5, "1,234"), ("2.50s", "2.50s")]
)
def test_figure(value, shown):
    assert display.figure(value) == shown
