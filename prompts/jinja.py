"""Server-side Jinja2 compilation in the sandbox, with bounded output, sizes and time."""

import operator
import re
import time
from collections.abc import Mapping

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT_CHARS = 100_000
MAX_RANGE = 10_000
MAX_SECONDS = 1.0
SIZED_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice"})
SIZED_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
FORMAT_STR_METHODS = frozenset({"format", "format_map"})
LARGE_WIDTH = re.compile(r"\d{6,}")


class JinjaError(ValueError):
    """The template is unsafe, invalid or too expensive; the message says why."""


def _check_int_args(name: str, args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_OUTPUT_CHARS:
            raise SecurityError(f"{name}() argument {value} is larger than {MAX_OUTPUT_CHARS}")


def _check_format(spec) -> None:
    if isinstance(spec, str) and LARGE_WIDTH.search(spec):
        raise SecurityError("format widths of 6 digits or more are not allowed")


def _check_size(value) -> None:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_OUTPUT_CHARS:
        raise SecurityError(f"a value of more than {MAX_OUTPUT_CHARS} items was produced")


class PromptSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox plus limits on repetition, widths, ranges and running time."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *, deadline: float):
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.deadline = deadline
        self.filters = {name: self._guarded_filter(name, function) for name, function in self.filters.items()}
        self.globals["range"] = self._range

    def _tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"template ran longer than {MAX_SECONDS} s")

    def _range(self, *args):
        result = range(*args)
        if len(result) > MAX_RANGE:
            raise SecurityError(f"range() is limited to {MAX_RANGE} items")
        return result

    def _guarded_filter(self, name, function):
        skip = 2 if hasattr(function, "jinja_pass_arg") else 1

        def guarded(*args, **kwargs):
            self._tick()
            if name in SIZED_FILTERS:
                _check_int_args(name, args[skip:], kwargs)
            if name == "format":
                _check_format(args[skip - 1])
            result = function(*args, **kwargs)
            _check_size(result)
            return result

        if hasattr(function, "jinja_pass_arg"):
            guarded.jinja_pass_arg = function.jinja_pass_arg
        return guarded

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja2's signature)
        __self._tick()
        bound = getattr(__obj, "__wrapped__", __obj)
        name = getattr(bound, "__name__", "")
        if isinstance(getattr(bound, "__self__", None), str):
            if name in SIZED_STR_METHODS:
                _check_int_args(name, args, kwargs)
            if name in FORMAT_STR_METHODS:
                _check_format(bound.__self__)
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(result)
        return result

    def call_binop(self, context, operator_name, left, right):
        self._tick()
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > 100:
                raise SecurityError("exponents above 100 are not allowed")
            return operator.pow(left, right)
        if operator_name == "%":
            _check_format(left)
            return operator.mod(left, right)
        sequence, count = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
        if (
            isinstance(sequence, (str, list, tuple))
            and isinstance(count, int)
            and len(sequence) * count > MAX_OUTPUT_CHARS
        ):
            raise SecurityError(f"repetition would exceed {MAX_OUTPUT_CHARS} items")
        return operator.mul(left, right)

    def getattr(self, obj, attribute):
        self._tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self._tick()
        return super().getitem(obj, argument)


def render(template: str, variables: Mapping[str, object]) -> str:
    """Render `template` with `variables`; unsafe, invalid or oversized templates raise JinjaError."""
    environment = PromptSandbox(deadline=time.monotonic() + MAX_SECONDS)
    parts = []
    size = 0
    try:
        for chunk in environment.from_string(template).generate(**variables):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError(f"output exceeds {MAX_OUTPUT_CHARS} characters")
            parts.append(chunk)
    except SecurityError as error:
        raise JinjaError(f"unsafe jinja2 template refused by the sandbox: {error}") from error
    except TemplateError as error:
        raise JinjaError(f"jinja2 template error: {error}") from error
    except RecursionError as error:
        raise JinjaError("jinja2 template recursion is too deep") from error
    except (TypeError, ValueError, ArithmeticError, LookupError) as error:
        raise JinjaError(f"jinja2 template failed: {type(error).__name__}: {error}") from error
    return "".join(parts)
