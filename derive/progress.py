"""A progress bar on stderr for work longer than about two seconds, only on a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from tqdm import tqdm

DELAY_SECONDS = 2.0


@contextmanager
def progress(total: int, label: str) -> Iterator[tqdm]:
    # disable=None turns the bar off unless stderr is a terminal; delay hides short work.
    with tqdm(total=total, desc=label, file=sys.stderr, delay=DELAY_SECONDS, disable=None,
              leave=False, unit="step") as bar:
        yield bar
