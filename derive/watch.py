"""`derive watch SPEC -o FILE`: the document written again each time the spec file is saved.

The spec is polled (its inode, modification time and size), so no dependency and no OS-specific
watcher is needed. A change is built once it has settled for one poll, so that an editor's save in
several writes is one build. A build that fails prints its one-line error and leaves FILE as it was
(every write is atomic); Ctrl-C ends the command as anywhere else in derive (exit code 130).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable

from .errors import DeriveError

POLL_SECONDS = 0.3
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".tex": "latex",
                  ".pdf": "pdf", ".json": "json"}


def watch(args: argparse.Namespace, check: Callable[[argparse.Namespace], None],
          build: Callable[[argparse.Namespace], int]) -> int:
    """Build args.output from args.spec now and after each change, until Ctrl-C. `check` refuses the
    command line's own mistakes up front; `build` writes the document (the report command's)."""
    args.format = args.format or format_of(args.output)
    _check_spec(args.spec)
    check(args)
    print(f"derive: watching {args.spec} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    built, last, builds = None, fingerprint(args.spec), 0
    while True:
        now = fingerprint(args.spec)
        if now != built and now == last:          # changed, and the same for a whole poll: saved
            builds += 1
            _build(args, build, builds)
            built = now
        last = now
        time.sleep(POLL_SECONDS)


def format_of(output: str) -> str:
    suffix = Path(output).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise DeriveError(f"-o {output}: no format for the suffix {suffix or '(none)'}; expected --format, or a file "
                          f"ending in {', '.join(SUFFIX_FORMATS)}")
    return SUFFIX_FORMATS[suffix]


def fingerprint(spec: str) -> tuple[int, int, int] | None:
    """What tells a saved file from the one before: an editor that saves by renaming gives a new inode."""
    try:
        found = os.stat(spec)
    except OSError:
        return None                  # gone for a moment (a save that deletes first): the build says so
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def _check_spec(spec: str) -> None:
    from .spec import presets

    if not Path(spec).exists() and spec in presets.names():
        raise DeriveError(f"watch: {spec} is a built-in preset, which never changes; expected a TOML spec file "
                          f"(derive report {spec} > net.md writes the document once)")
    if not Path(spec).is_file():
        raise DeriveError(f"watch: {spec}: no such spec file; expected a TOML file to watch")


def _build(args: argparse.Namespace, build: Callable[[argparse.Namespace], int], number: int) -> None:
    started = time.monotonic()
    try:
        build(args)
    except DeriveError as exc:
        print(f"derive: error: {exc}", file=sys.stderr, flush=True)
        return
    except OSError as exc:           # as the command line reports one: the spec or the output refused by the system
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"derive: error: {where}{exc.strerror or exc}", file=sys.stderr, flush=True)
        return
    print(f"{time.strftime('%H:%M:%S')} wrote {args.output} (build {number}, {time.monotonic() - started:.1f} s)",
          flush=True)
