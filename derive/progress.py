"""A progress bar on stderr for work longer than about two seconds, only on a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

DELAY_SECONDS = 2.0


class _Silent:
    """No bar: what tqdm's disable=None gives off a terminal, without importing tqdm (0.04 s)."""

    def update(self, n: int = 1) -> None:
        """Off a terminal the work goes on unshown: nothing to draw."""


@contextmanager
def progress(total: int, label: str) -> Iterator:
    if not _on_terminal():
        yield _Silent()
        return
    from tqdm import tqdm

    # disable=None turns the bar off unless stderr is a terminal; delay hides short work.
    with tqdm(total=total, desc=label, file=sys.stderr, delay=DELAY_SECONDS, disable=None,
              leave=False, unit="step") as bar:
        yield bar


def _on_terminal() -> bool:
    """tqdm's own test for disable=None: stderr is a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):      # no stderr, or a closed one
        return False
