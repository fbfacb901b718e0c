"""Generic checks on raw TOML values, each failing with a SpecError that names the field."""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from .errors import SpecError

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{0,11}")
# Names that would print like a parameter or a loss symbol.
RESERVED_NAME = re.compile(r"(w|b)[0-9]+|E|eta|delta")


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
        unknown = sorted(set(value) - set(keys))
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
        if not math.isfinite(value):
            raise self.fail(field, f"expected a finite number, got {value}")
        return float(value)

    def integer(self, value: Any, field: str, minimum: int, maximum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"expected a whole number, got {_kind(value)}")
        if not minimum <= value <= maximum:
            raise self.fail(field, f"expected a whole number from {minimum} to {maximum}, got {value}")
        return value

    def choice(self, value: Any, field: str, options) -> str:
        if not isinstance(value, str) or value not in options:
            raise self.fail(field, f"unknown value {value!r} (expected one of: {', '.join(options)})")
        return value

    def vector(self, value: Any, field: str, length: int, what: str) -> tuple[float, ...]:
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list of {length} numbers ({what}), got {_kind(value)}")
        if len(value) != length:
            raise self.fail(field, f"expected {length} numbers ({what}), got {len(value)}")
        return tuple(self.number(v, f"{field}[{i}]") for i, v in enumerate(value))

    def rows(self, value: Any, field: str, width: int, what: str) -> tuple[tuple[float, ...], ...]:
        """One sample per row; a flat list is one sample."""
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"expected a non-empty list of samples of {width} numbers ({what})")
        if not isinstance(value[0], list):
            value = [value]
        return tuple(self.vector(row, f"{field}[{i}]", width, what) for i, row in enumerate(value))

    def names(self, value: Any, field: str, count: int, taken: set[str]) -> tuple[str, ...]:
        if not isinstance(value, list) or len(value) != count:
            raise self.fail(field, f"expected a list of {count} names, got {_kind(value)}"
                            + (f" of {len(value)}" if isinstance(value, list) else ""))
        for i, name in enumerate(value):
            where = f"{field}[{i}]"
            if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
                raise self.fail(where, f"expected a name of 1-12 letters and digits starting with a letter, got {name!r}")
            if RESERVED_NAME.fullmatch(name):
                raise self.fail(where, f"name {name!r} is reserved for a parameter or loss symbol")
            if name in taken:
                raise self.fail(where, f"duplicate unit name {name!r} (names must be unique across the network)")
            taken.add(name)
        return tuple(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__
