"""The command line: argparse in, one line on stderr and exit code 2 for any bad input.

Exit codes: 0 done, 1 verify found a wrong claim, 2 bad input or usage, 130 Ctrl-C, 141 stdout closed
early (a pipe into `head`). Only the standard library is imported up here: SymPy and NumPy load inside
main(), so Ctrl-C while they load is one line too.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Sequence

from .errors import DeriveError
from .files import check_output, write_atomically

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130   # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141   # 128 + SIGPIPE, as a shell reports a writer whose reader went away
COLLECT_AFTER = 200_000  # new container objects before the collector's first generation runs (default 700)

TOP_EXAMPLES = """examples:
  derive report mazur                       the classic 2-2-2 example as Markdown
  derive report net.toml --format pdf -o net.pdf
  derive verify mazur draft.md              check a hand-written derivation"""
REPORT_EXAMPLES = """examples:
  derive report mazur > mazur.md
  derive report net.toml --notation layer --format html -o net.html
  derive report mazur --flavor hugo --template-dir my-templates/"""
CODE_EXAMPLES = """examples:
  derive code mazur > mazur_grads.py
  derive code net.toml -o net_grads.py"""
VERIFY_EXAMPLES = """examples:
  derive verify mazur draft.md
  derive verify posts/*.md --format github  each post's spec named in its front matter
  derive verify mazur --claim '\\delta_{o1} = 0.1384'"""
WATCH_EXAMPLES = """examples:
  derive watch net.toml -o net.html         open net.html in a browser, edit net.toml, reload
  derive watch net.toml -o net.md --flavor hugo"""
PRESETS_EXAMPLES = """examples:
  derive presets
  derive report niuguy --notation index     write one of them"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, like every other error."""

    def error(self, message: str):
        raise DeriveError(f"{message} (see '{self.prog} --help')")


def _command(commands, name: str, examples: str, **kwargs) -> argparse.ArgumentParser:
    return commands.add_parser(name, epilog=examples, formatter_class=argparse.RawDescriptionHelpFormatter,
                               **kwargs)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .output.formats import FORMATS
    from .spec.load import NOTATIONS
    from .verify_command import FORMATS as VERIFY_FORMATS

    parser = _Parser(prog="derive", description="Step-by-step backpropagation derivations, computed and checked.",
                     epilog=TOP_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    report = _command(commands, "report", REPORT_EXAMPLES, help="write the step-by-step derivation of a network",
                      description="Derive backpropagation for SPEC and write the document.")
    report.add_argument("spec", metavar="SPEC", help="a TOML spec file or a preset name (see 'derive presets')")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    report.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    _document_options(report)

    watch = _command(commands, "watch", WATCH_EXAMPLES, help="write the document again each time the spec is saved",
                     description="Write SPEC's document to FILE, then write it again each time SPEC changes, one "
                                 "line per build; a spec that turns invalid prints its error and leaves FILE as it "
                                 "was. Ctrl-C stops (exit code 130).")
    watch.add_argument("spec", metavar="SPEC", help="the TOML spec file to watch")
    watch.add_argument("-o", "--output", metavar="FILE", required=True, help="the document, written atomically")
    watch.add_argument("--format", choices=FORMATS,
                       help="output format (default: from FILE's suffix: .md markdown, .html html, .tex latex, ...)")
    _document_options(watch)

    code = _command(commands, "code", CODE_EXAMPLES, help="write a NumPy module generated from the derived closed forms",
                    description="Write a standalone Python module (numpy only) with forward(params, X) "
                                "and gradients(params, X, Y), generated from SPEC's layer-level closed forms.")
    code.add_argument("spec", metavar="SPEC", help="a TOML spec file or a preset name")
    code.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    _time_limit(code)

    verify = _command(
        commands, "verify", VERIFY_EXAMPLES, help="check a hand-written derivation's formulas and numbers",
        description="Check every equation in each DOC (Markdown or LaTeX) against SPEC's derivation: ✓ right, "
                    "✗ wrong (with the correct value and the likely cause), ? unchecked (with the reason). "
                    "Exit code 0 when no claim is wrong, 1 when one is, 2 for a bad spec, document or usage.")
    verify.add_argument("operands", nargs="*", metavar="[SPEC] DOC",
                        help="SPEC: a TOML spec file (its [aliases] map the post's names) or a preset; left out, "
                             "each DOC names its own in its front matter (derive: {spec: net.toml}). DOC: a "
                             "Markdown or LaTeX document ('-' for stdin); several may be given")
    verify.add_argument("--claim", metavar="TEX", help="check this one formula instead of a document")
    verify.add_argument("--notation", choices=NOTATIONS, help="the document's names (default: guessed from them)")
    verify.add_argument("--format", choices=VERIFY_FORMATS,
                        help="table (default), json, or github: GitHub Actions annotations on the wrong lines")
    verify.add_argument("--json", action="store_true", help="print the report as JSON (--format json)")
    verify.add_argument("--only-with-front-matter", action="store_true",
                        help="without SPEC: skip a document whose front matter names no spec (for a hook "
                             "run over every post)")
    verify.add_argument("--explain-names", action="store_true",
                        help="also list every name of the post: how it was read, or that it was not")
    verify.add_argument("--annotate", metavar="OUT",
                        help="also write a copy of DOC with a mark after each claim (atomically)")
    verify.add_argument("--fix", metavar="OUT",
                        help="also write a copy of DOC with each wrong figure set right at the post's own "
                             "precision and each wrong formula marked with a comment (atomically)")
    _time_limit(verify)

    _command(commands, "presets", PRESETS_EXAMPLES, help="list the built-in networks",
             description="List the built-in networks.")
    return parser


def _document_options(command: argparse.ArgumentParser) -> None:
    """The options of a written document, report's and watch's alike."""
    from .output.flavors import FLAVORS
    from .spec.load import NOTATIONS

    command.add_argument("--fragment", action="store_true",
                         help="with --format latex: the body only, no preamble, for \\input{} in a paper")
    command.add_argument("--notation", choices=NOTATIONS,
                         help="neuron (w_5, out_{h1}: seed 003), layer (W^{[l]}, A^{[l]}: matrices) or index "
                              "(w^l_{jk}, a^l_j: Nielsen's BP1-BP4); default: the spec's")
    command.add_argument("--flavor", choices=FLAVORS, default="mathjax",
                         help="Markdown math for: mathjax (default; also Sphinx with MyST, pandoc, Jupyter), katex, "
                              "github, hugo, jekyll (both with front matter), mkdocs (pymdownx.arithmatex)")
    command.add_argument("--template-dir", metavar="DIR",
                         help="templates here (DIR/markdown/report.md.j2, ...) override the built-ins by name")
    command.add_argument("--samples", choices=("first", "all"), default="first",
                         help="with a batch: first (default) works sample 1 in full and tables the others; "
                              "all works every sample")
    _time_limit(command)


def _time_limit(command: argparse.ArgumentParser) -> None:
    from .spec.cost import DEFAULT_LIMIT

    command.add_argument("--time-limit", metavar="SECONDS", type=float, default=DEFAULT_LIMIT,
                         help=f"refuse a spec estimated to take longer (default: {DEFAULT_LIMIT:.0f}; 0: no limit)")


def _load(args: argparse.Namespace):
    """The spec, refused up front when it would take longer than --time-limit."""
    from .spec import cost
    from .api import load

    spec = load(args.spec)
    document = args.command != "code" and getattr(args, "format", None) != "json"     # else numbers or code alone
    cost.check(spec, args.time_limit or None, getattr(args, "samples", "first"), document)
    return spec


def _warn(result) -> None:
    for warning in getattr(result.values, "warnings", ()):
        print(f"derive: warning: {warning}", file=sys.stderr)


def run() -> None:
    """The `derive` command (console script and python -m derive): main(), then exit with its code."""
    # A derivation makes many small SymPy objects and frees few: the collector's default threshold
    # walks them again and again for nothing. A larger first threshold, as mypy's command sets.
    gc.set_threshold(COLLECT_AFTER, *gc.get_threshold()[1:])
    code = main()
    if code == EXIT_INTERRUPTED:
        # Python's own exit after a Ctrl-C in an import can end the process by SIGINT instead of the
        # documented code; the message is out, so leave at once.
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    # The exit's own collection would walk every object once more only to free what the process's end
    # frees anyway (after SymPy, most of the exit's time): freeze them, so it skips them. The output is
    # closed by now, and module teardown still runs.
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    # Python's own Ctrl-C handler, noted; not when the caller has its own, nor outside the main thread
    ours = (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if ours:
        signal.signal(signal.SIGINT, _note_interrupt)
    try:
        return _main(argv)
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _main(argv: Sequence[str] | None) -> int:
    try:
        parser = build_parser()        # the first import of SymPy and NumPy: Ctrl-C may land here
        if _INTERRUPTS:
            # it landed where Python ignores an exception (the import system's weakref callbacks)
            # and the imports went on: still the user's Ctrl-C
            raise KeyboardInterrupt
        args = parser.parse_args(argv)
        code = _run(parser, args)
        sys.stdout.flush()             # a closed pipe shows here, not at exit
        return code
    except DeriveError as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The Python docs' "Note on SIGPIPE": point stdout at devnull so the exit's flush is quiet.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:             # stdout on a full disk, a spec path the system refuses
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"derive: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ImportError:
        if not _INTERRUPTS:            # a library that is really missing is a broken install: let it show
            raise
        print("derive: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


_INTERRUPTS: list[int] = []


def _note_interrupt(signum, frame):
    """Ctrl-C as Python's own handler has it (KeyboardInterrupt), remembered: NumPy turns one that lands
    in its C import into an ImportError, which is then an interruption, not a broken install."""
    _INTERRUPTS.append(signum)
    raise KeyboardInterrupt


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .api import code as generate_code

    if args.command == "presets":
        return _presets()
    if args.command == "report":
        return _report(args)
    if args.command == "watch":
        from .watch import watch

        return watch(args, _check_report_options, _report)
    if args.command == "code":
        check_output(args.output, "-o")
        return _emit(args.output, generate_code(_load(args)))
    if args.command == "verify":
        from .verify_command import run as verify_documents

        return verify_documents(args)
    parser.print_help()
    return 0


def _presets() -> int:
    from .spec import presets

    names = presets.names()
    width = max(map(len, names))
    for name in names:
        print(f"{name:{width}}  {presets.load(name).description}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .api import derive, render

    _check_report_options(args)
    spec = _load(args)
    if not spec.has_values:
        if args.format == "json":
            raise DeriveError("--format json: the spec gives no numbers (no input.values), so there are none to "
                              "write; expected a document format: markdown, latex, beamer, html or pdf")
        if args.notation not in (None, "layer"):
            raise DeriveError(f"--notation {args.notation}: the spec gives no numbers, so it is written in the "
                              "layer notation only; expected --notation layer or none")
    result = derive(spec)
    _warn(result)
    return _emit(args.output, render(result, args.format, args.notation, args.fragment, args.template_dir,
                                     args.flavor, args.samples))


def _check_report_options(args: argparse.Namespace) -> None:
    """What a report's options ask for, refused before any work: an output it cannot write, a missing folder."""
    check_output(args.output, "-o")
    if args.format == "pdf" and not args.output:
        raise DeriveError("--format pdf writes a binary file; expected -o FILE")
    if args.template_dir is not None and not Path(args.template_dir).is_dir():
        raise DeriveError(f"--template-dir: no such folder: {args.template_dir}")


def _emit(output: str | None, text: str | bytes) -> int:
    if output:
        write_atomically(Path(output), text)
    else:
        sys.stdout.write(text)
    return 0
