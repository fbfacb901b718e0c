"""Generic checks on raw TOML values, each failing with a SpecError that names the field."""

from __future__ import annotations

import json
import math
import re
import reprlib
import unicodedata
from typing import Any, Mapping

from ..errors import SpecError

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{0,11}")
# Names that would print like a parameter or a loss symbol.
RESERVED_NAME = re.compile(r"(w|b)[0-9]+|E|eta|delta")
# A value quoted in a message stays short: a spec may hold a megabyte string or a 4000-digit number.
_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong, _SHORT.maxlevel = 60, 60, 40, 3


def shown(value: Any) -> str:
    """A value as a message quotes it: repr, cut short, always on one line."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        try:
            digits = str(len(str(abs(value))))
        except ValueError:                       # str() refuses 4300+ digits
            digits = "thousands of"
        return f"a whole number of {digits} digits"
    return _SHORT.repr(value)


def quoted_key(key: Any) -> str:
    """A table key as a field path shows it: bare when it is a plain word, else a TOML quoted key."""
    text = str(key)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", text):
        return text
    quoted = json.dumps(text)
    return quoted if len(quoted) <= 60 else quoted[:55] + '..."'


class Checker:
    """Typed reads of raw TOML values; every error names the field's path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, field: str, message: str) -> SpecError:
        return SpecError(field, message, self.source)

    # -- generic checks ---------------------------------------------------
    def table(self, value: Any, field: str, keys: dict[str, bool]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"expected a table, got {_kind(value)}")
        unknown = sorted(quoted_key(k) for k in set(value) - set(keys))
        if unknown:
            raise self.fail(f"{field}.{unknown[0]}" if field else unknown[0],
                            f"unknown key (expected one of: {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in value:
                what = "section" if isinstance(required, str) else "key"
                raise self.fail(f"{field}.{key}" if field else key, f"missing {what}")
        return value

    def number(self, value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(field, f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:            # an integer beyond a float's range
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(field, f"expected a finite number, got {shown(value)}")
        return number

    def integer(self, value: Any, field: str, minimum: int, maximum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"expected a whole number, got {_kind(value)}")
        if not minimum <= value <= maximum:
            raise self.fail(field, f"expected a whole number from {minimum} to {maximum}, got {shown(value)}")
        return value

    def choice(self, value: Any, field: str, options) -> str:
        if not isinstance(value, str) or value not in options:
            raise self.fail(field, f"unknown value {shown(value)} (expected one of: {', '.join(options)})")
        return value

    def vector(self, value: Any, field: str, length: int, what: str) -> tuple[float, ...]:
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list of {length} numbers ({what}), got {_kind(value)}")
        if len(value) != length:
            raise self.fail(field, f"expected {length} numbers ({what}), got {len(value)}")
        return tuple(self.number(v, f"{field}[{i}]") for i, v in enumerate(value, start=1))

    def rows(self, value: Any, field: str, width: int, what: str) -> tuple[tuple[float, ...], ...]:
        """One sample per row; a flat list is one sample."""
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"expected a non-empty list of samples of {width} numbers ({what})")
        if not isinstance(value[0], list):
            value = [value]
        return tuple(self.vector(row, f"{field}[{i}]", width, what) for i, row in enumerate(value, start=1))

    def names(self, value: Any, field: str, count: int, taken: set[str]) -> tuple[str, ...]:
        if not isinstance(value, list) or len(value) != count:
            raise self.fail(field, f"expected a list of {count} names, got {_kind(value)}"
                            + (f" of {len(value)}" if isinstance(value, list) else ""))
        for i, name in enumerate(value, start=1):
            where = f"{field}[{i}]"
            if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
                raise self.fail(where, "expected a name of 1-12 letters and digits starting with a letter, "
                                f"got {shown(name)}")
            if RESERVED_NAME.fullmatch(name):
                raise self.fail(where, f"name {name!r} is reserved for a parameter or loss symbol")
            if name in taken:
                raise self.fail(where, f"duplicate unit name {name!r} (names must be unique across the network)")
            taken.add(name)
        return tuple(value)

    def text(self, value: Any, field: str) -> str:
        """Free text (a title, a tag): any string without control characters but tab and line ends,
        which no output format can show and some (LaTeX, YAML) choke on."""
        if not isinstance(value, str):
            raise self.fail(field, f"expected a string, got {_kind(value)}")
        bad = next((c for c in value if c not in "\t\n\r" and unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            raise self.fail(field, f"expected text without control characters, got U+{ord(bad):04X} at "
                            f"character {value.index(bad) + 1}")
        return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"a string ({shown(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({shown(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as a message writes it: (3, 4), (5,)."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
