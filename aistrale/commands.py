"""Option parsing and output of the operator commands (exports, imports): one place for all of them."""

import os
from contextlib import contextmanager
from datetime import UTC

import orjson
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from aistrale import json_text
from aistrale.tenancy.models import Project


def json_cell(value) -> str:
    """A JSON value as a CSV cell: its JSON text, empty for None."""
    return "" if value is None else json_text.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def json_line(value) -> str:
    """One JSON lines record."""
    return json_text.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() + "\n"


def project_option(value: str) -> Project:
    """The project `--project` names by id or name."""
    matches = list(Project.objects.filter(Q(id=value) | Q(name=value))[:2])
    if not matches:
        raise CommandError(f"--project: no project with id or name {value!r}")
    if len(matches) > 1:
        raise CommandError(f"--project: several projects are named {value!r}; pass the project id")
    return matches[0]


def moment_option(value: str | None, option: str):
    """An ISO 8601 datetime option in UTC (naive values are UTC); None when not given."""
    if not value:
        return None
    try:
        moment = parse_datetime(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"{option}: not an ISO 8601 datetime: {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class _Unterminated:
    """Management command output without the line ending it adds to every write."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")


@contextmanager
def output_stream(command, output: str | None, *, atomic: bool = False):
    """A text stream to `output`, or the command's standard output when None.

    `atomic` writes the file under a `.part` name and renames it only when the block ends without an
    error, so a failed export never leaves a file that looks complete.
    """
    if not output:
        yield _Unterminated(command.stdout)
        return
    target = f"{output}.part" if atomic else output
    try:
        with open(target, "w", encoding="utf-8", newline="") as stream:
            yield stream
    except BaseException:
        if atomic and os.path.exists(target):
            os.remove(target)
        raise
    if atomic:
        os.replace(target, output)


class _Quiet:
    def advance(self, amount: int = 1) -> None:
        """Nothing to show when standard error is not a terminal."""


class _Bar:
    def __init__(self, progress: Progress, task):
        self.progress, self.task = progress, task

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.task, amount)


@contextmanager
def progress_bar(command, *, description: str, total):
    """A rich progress bar on standard error when it is a terminal; quiet otherwise.

    `total` is a callable giving the expected count, only called when the bar is shown.
    """
    if not command.stderr.isatty():
        yield _Quiet()
        return
    console = Console(file=command.stderr._out)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield _Bar(progress, progress.add_task(description, total=total()))
