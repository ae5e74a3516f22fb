"""The rows of an uploaded file, streamed: `(line number, {column: value})`, or a RowError for a line that
cannot be read. CSV values are strings (the header names the columns); JSON lines values are as parsed."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import orjson

FORMATS = ("csv", "jsonl")
MAX_CSV_FIELD = 16 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """What is wrong with the row on `line` (its first line, for a CSV row spanning several)."""

    line: int
    field: str | None
    message: str

    def __str__(self):
        where = f"{self.field}: " if self.field else ""
        return f"line {self.line}: {where}{self.message}"


class FileError(ValueError):
    """The file as a whole cannot be read (no header, not UTF-8)."""


def _not_utf8(error: UnicodeDecodeError, line: int) -> str:
    """The file is decoded a block at a time, so the bad byte is at or after the line being read."""
    return f"not UTF-8 text ({error.reason}) at or after line {line}"


def text_stream(binary) -> io.TextIOWrapper:
    """A UTF-8 text view of a binary file (a byte-order mark is dropped)."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def csv_header(stream) -> tuple[list[str], Iterator]:
    """The header row and a reader positioned after it."""
    csv.field_size_limit(MAX_CSV_FIELD)
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("the file is empty: a CSV file needs a header row naming its columns") from None
    except UnicodeDecodeError as error:
        raise FileError(_not_utf8(error, 1)) from None
    except csv.Error as error:
        raise FileError(f"line 1: {error}") from None
    if len(set(header)) != len(header) or any(not name.strip() for name in header):
        raise FileError("line 1: the header must name every column once")
    return header, reader


def csv_rows(header: list[str], reader) -> Iterator[tuple[int, dict] | RowError]:
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise FileError(_not_utf8(error, start)) from None
        except csv.Error as error:
            yield RowError(start, None, f"not a CSV row: {error}")
            line = reader.line_num
            continue
        line = reader.line_num
        if not cells:
            continue
        if len(cells) != len(header):
            yield RowError(start, None, f"has {len(cells)} cells, the header names {len(header)} columns")
            continue
        yield start, dict(zip(header, cells, strict=True))


def _lines(stream) -> Iterator[tuple[int, str]]:
    lines = iter(stream)
    number = 0
    while True:
        number += 1
        try:
            text = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise FileError(_not_utf8(error, number)) from None
        yield number, text


def jsonl_rows(stream) -> Iterator[tuple[int, dict] | RowError]:
    for number, text in _lines(stream):
        if not text.strip():
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            yield RowError(number, None, f"not JSON: {error}")
            continue
        if not isinstance(value, dict):
            yield RowError(number, None, "must be a JSON object")
            continue
        yield number, value


def read_rows(stream, *, format: str) -> tuple[list[str] | None, Iterator[tuple[int, dict] | RowError]]:
    """The CSV header (None for JSON lines) and the rows of a text stream in this format."""
    if format not in FORMATS:
        raise FileError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format == "jsonl":
        return None, jsonl_rows(stream)
    header, reader = csv_header(stream)
    return header, csv_rows(header, reader)


def format_of(filename: str, given: str | None = None) -> str:
    """The format given, else the one the file name's extension says."""
    if given:
        return given
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise FileError(f"cannot tell the format of {filename!r} from its extension: say csv or jsonl")
