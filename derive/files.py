"""Output files: a name checked before the work of writing it, and a write that is never half done
(a temporary file beside the target, renamed into place). The commands that write files share them."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import OutputError

NOT_WRITABLE = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def check_output(output: str | None, option: str) -> None:
    """Refuse an output that cannot be written before the work of deriving it."""
    if output is None:
        return
    if not output.strip():
        raise OutputError(f"{option}: expected a file name, got an empty one (leave {option} out for stdout)")
    writable(Path(output))


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename it into place.

    A symlink is followed: its target is replaced and the link kept. A folder, FIFO or device is
    refused rather than replaced by a regular file. The temporary file never outlives an error or
    Ctrl-C."""
    target, mode = writable(path)
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        binary = isinstance(text, bytes)
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            handle.write(text)
        # mkstemp makes 0600; keep a replaced file's mode, else an ordinary file's under the umask
        os.chmod(temp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException as exc:       # Ctrl-C too: no temporary file is left behind
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
        raise


def writable(path: Path) -> tuple[Path, int | None]:
    """The file to replace (a symlink's target) and its mode (None for a new file), or a one-line refusal."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    kind = next((name for test, name in NOT_WRITABLE if mode is not None and test(mode)), None)
    if kind is not None:
        raise OutputError(f"{path}: is {kind}; expected a regular file to replace or a new file's name "
                          "(for stdout, leave the option out)")
    if not target.parent.is_dir():
        raise OutputError(f"{path}: the folder {target.parent} does not exist")
    return target, mode


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
