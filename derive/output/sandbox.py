"""Jinja2's sandbox with bounds, for the user's templates (--template-dir).

The sandbox stops a template from reaching Python's internals; these bounds stop it from hanging
derive or eating the machine's memory: values built by `*`, `**`, `+`, `%` and the string methods and
filters that grow text are capped, `range` and `lipsum` are bounded, the output is capped while it
streams, and the whole render runs under a time limit and a memory ceiling (stdlib signal and
resource, where the platform has them).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from typing import Any, Iterator

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment, safe_range
from jinja2.utils import generate_lorem_ipsum

MAX_SIZE = 10_000_000          # characters or items in any one value a template builds
MAX_OUTPUT = 50_000_000        # characters a template may write
MAX_POWER_BITS = 100_000       # an integer power's result, in bits
MAX_LIPSUM = 100               # paragraphs
MAX_SECONDS = 60
MAX_EXTRA_MEMORY = 1 << 30     # bytes of address space a render may add
PRINTF_FIELD = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class LimitError(SecurityError):
    """A template went past one of the bounds; reported as 'not allowed in a template'."""


def _check(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise LimitError(f"{what} of {size} items (at most {MAX_SIZE})")


def _sized(value: Any) -> bool:
    return isinstance(value, (str, list, tuple))


def _check_printf(template: str, args: Any) -> None:
    for match in PRINTF_FIELD.finditer(template):
        for field in match.groups():
            if field == "*":
                raise LimitError("a '*' width in a % format")
            if field is not None and int(field) > MAX_SIZE:
                _check(int(field), "a % format field")


def _bounded_range(*args: int) -> range:
    try:
        return safe_range(*args)
    except OverflowError as exc:
        raise LimitError(str(exc)) from None


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    if not (isinstance(n, int) and 0 <= n <= MAX_LIPSUM and isinstance(max, int) and 0 < max <= 1000):
        raise LimitError(f"lipsum(n={n!r}, max={max!r}) (at most {MAX_LIPSUM} paragraphs of 1000 words)")
    return generate_lorem_ipsum(n, html, min, max)


def _grown(method: str, text: str, args: tuple) -> int:
    """The size a string method would build, before it builds it."""
    if method in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
        return args[0]
    if method == "expandtabs":
        return len(text) * (args[0] if args and isinstance(args[0], int) else 8)
    if method == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        return len(text) + (text.count(args[0]) if args[0] else len(text) + 1) * len(args[1])
    return 0


class BoundedSandbox(SandboxedEnvironment):
    """SandboxedEnvironment whose templates cannot build huge values (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _bounded_range
        self.globals["lipsum"] = _bounded_lipsum
        for name in ("center", "indent", "format", "join", "replace", "batch", "wordwrap", "truncate"):
            self.filters[name] = self._bounded_filter(name, self.filters[name])

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if _sized(seq) and isinstance(times, int):
                    _check(len(seq) * times, "a repeated string or list")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if max(left.bit_length(), 1) * right > MAX_POWER_BITS:
                raise LimitError(f"an integer power of about {left.bit_length() * right} bits "
                                 f"(at most {MAX_POWER_BITS})")
        elif operator == "+" and _sized(left) and _sized(right):
            _check(len(left) + len(right), "a joined string or list")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja2's names)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            method = getattr(__obj, "__name__", "")
            _check(_grown(method, owner, args), f"a string built by {method}()")
            if method == "join" and args:
                items = list(args[0]) if not isinstance(args[0], (str, list, tuple)) else args[0]
                _check(sum(len(i) if isinstance(i, str) else 1 for i in items) + len(owner) * len(items),
                       "a string built by join()")
                args = (items, *args[1:])
        return super().call(__context, __obj, *args, **kwargs)

    def _bounded_filter(self, name: str, builtin):
        def bounded(*args: Any, **kwargs: Any) -> Any:
            values = [a for a in args if not hasattr(a, "environment")]   # drop an eval context
            value = values[0] if values else None
            numbers = [a for a in (*values[1:], *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
            if name in ("center", "batch", "wordwrap", "truncate") and numbers:
                _check(max(numbers), f"the {name} filter's size")
            if name == "indent":
                width = kwargs.get("width", values[1] if len(values) > 1 else 4)
                lines = str(value).count("\n") + 1
                _check(lines * (len(width) if isinstance(width, str) else int(width)), "an indented text")
            if name == "format" and isinstance(value, str):
                _check_printf(value, values[1:])
            if name == "replace" and len(values) >= 3:
                _check(_grown("replace", str(value), (str(values[1]), str(values[2]))), "a replaced text")
            if name == "join" and value is not None and not isinstance(value, (str, list, tuple)):
                value = list(value)
                args = tuple(value if a is values[0] else a for a in args)
            if name == "join" and isinstance(value, (list, tuple)):
                _check(sum(len(str(i)) for i in value), "a joined text")
            return builtin(*args, **kwargs)
        bounded.__dict__.update(builtin.__dict__)   # keep Jinja2's pass_context / pass_eval_context marks
        return bounded


def render_bounded(template, context: dict[str, Any]) -> str:
    """Stream the render, stop at MAX_OUTPUT characters, under the time limit and memory ceiling."""
    parts, size = [], 0
    with _time_limit(MAX_SECONDS), _memory_ceiling(MAX_EXTRA_MEMORY):
        for part in template.generate(context):
            size += len(part)
            if size > MAX_OUTPUT:
                raise LimitError(f"an output of more than {MAX_OUTPUT} characters")
            parts.append(part)
    return "".join(parts)


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """SIGALRM in the main thread (signals reach only it); elsewhere no limit."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise LimitError(f"a render longer than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _memory_ceiling(extra: int) -> Iterator[None]:
    """RLIMIT_AS at the current address space plus `extra`, restored after; where /proc tells the size."""
    try:
        import resource
        pages = int(open("/proc/self/statm").read().split()[0])
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        yield
        return
    ceiling = pages * os.sysconf("SC_PAGE_SIZE") + extra
    if soft != resource.RLIM_INFINITY and soft <= ceiling or hard != resource.RLIM_INFINITY and hard < ceiling:
        yield                                       # already bounded at least as tightly
        return
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
