"""The command line: argparse in, one line on stderr and exit code 2 for any bad input."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from . import __version__, presets
from .api import code as generate_code
from .api import derive, load, render
from .errors import DeriveError, OutputError
from .flavors import FLAVORS
from .formats import FORMATS
from .spec import NOTATIONS


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, like every other error."""

    def error(self, message: str):
        raise DeriveError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description="Step-by-step backpropagation derivations, computed and checked.")
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    report = commands.add_parser("report", help="write the step-by-step derivation of a network",
                                 description="Derive backpropagation for SPEC and write the document.")
    report.add_argument("spec", nargs="?", metavar="SPEC", help="a TOML spec file or a preset name (see 'derive presets')")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    report.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    report.add_argument("--fragment", action="store_true",
                        help="with --format latex: the body only, no preamble, for \\input{} in a paper")
    report.add_argument("--notation", choices=NOTATIONS,
                        help="neuron (w_5, out_{h1}: seed 003), layer (W^{[l]}, A^{[l]}: matrices) or index "
                             "(w^l_{jk}, a^l_j: Nielsen's BP1-BP4); default: the spec's")
    report.add_argument("--flavor", choices=FLAVORS, default="mathjax",
                        help="Markdown math for: mathjax (default), katex, github, hugo, jekyll (with front matter)")
    report.add_argument("--template-dir", metavar="DIR",
                        help="templates here (DIR/markdown/report.md.j2, ...) override the built-ins by name")
    report.set_defaults(show_help=report.print_help)

    code = commands.add_parser("code", help="write a NumPy module generated from the derived closed forms",
                               description="Write a standalone Python module (numpy only) with forward(params, X) "
                                           "and gradients(params, X, Y), generated from SPEC's layer-level closed forms.")
    code.add_argument("spec", metavar="SPEC", help="a TOML spec file or a preset name")
    code.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")

    verify = commands.add_parser(
        "verify", help="check a hand-written derivation's formulas and numbers",
        description="Check every equation in DOC (Markdown or LaTeX) against SPEC's derivation: ✓ right, "
                    "✗ wrong (with the correct value and the likely cause), ? unchecked (with the reason). "
                    "Exit code 0 when no claim is wrong, 1 when one is, 2 for a bad spec, document or usage.")
    verify.add_argument("spec", metavar="SPEC", help="a TOML spec file (its [aliases] map the post's names) or a preset")
    verify.add_argument("doc", nargs="?", metavar="DOC", help="the Markdown or LaTeX document ('-' for stdin)")
    verify.add_argument("--claim", metavar="TEX", help="check this one formula instead of a document")
    verify.add_argument("--notation", choices=NOTATIONS, help="the document's names (default: guessed from them)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--annotate", metavar="OUT",
                        help="also write a copy of DOC with a mark after each claim (atomically)")

    commands.add_parser("presets", help="list the built-in networks", description="List the built-in networks.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "presets":
            return _presets()
        if args.command == "report":
            if args.spec is None:
                args.show_help()
                return 0
            return _report(args)
        if args.command == "code":
            return _emit(args.output, generate_code(load(args.spec)))
        if args.command == "verify":
            return _verify(args)
        parser.print_help()
        return 0
    except DeriveError as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130


def _presets() -> int:
    for name in presets.names():
        print(f"{name:12} {presets.load(name).description}")
    return 0


def _report(args: argparse.Namespace) -> int:
    if args.format == "pdf" and not args.output:
        raise DeriveError("--format pdf writes a binary file; expected -o FILE")
    if args.template_dir is not None and not Path(args.template_dir).is_dir():
        raise DeriveError(f"--template-dir: no such folder: {args.template_dir}")
    result = derive(load(args.spec))
    return _emit(args.output, render(result, args.format, args.notation, args.fragment, args.template_dir,
                                     args.flavor))


def _verify(args: argparse.Namespace) -> int:
    from . import verify
    from .verify.output import annotate, as_json, table

    if (args.doc is None) == (args.claim is None):
        raise DeriveError("verify: expected a document DOC or --claim TEX (one of them)")
    if args.claim is not None and args.annotate:
        raise DeriveError("--annotate: expected a document DOC to annotate, not --claim")
    text = _read_document(args.doc) if args.doc is not None else None
    checker = verify.Checker(derive(load(args.spec)))
    if text is None:
        report = verify.verify_claim(checker, args.claim, args.notation)
    else:
        report = verify.verify_text(checker, text, args.doc, args.notation)
    if args.annotate:
        write_atomically(Path(args.annotate), annotate(text, report, args.doc))
    sys.stdout.write(as_json(report) if args.json else table(report))
    return 1 if report.summary["wrong"] else 0


def _read_document(name: str) -> str:
    from .verify.document import MAX_DOCUMENT

    try:
        size = Path(name).stat().st_size if name != "-" and Path(name).is_file() else 0
        if size > 4 * MAX_DOCUMENT:           # refused before it is read; 4 bytes a character at most in UTF-8
            raise DeriveError(f"{name}: {size} bytes; at most {MAX_DOCUMENT} characters are read")
        data = sys.stdin.buffer.read(4 * MAX_DOCUMENT + 1) if name == "-" else Path(name).read_bytes()
    except FileNotFoundError:
        raise DeriveError(f"{name}: no such document (expected a Markdown or LaTeX file)") from None
    except IsADirectoryError:
        raise DeriveError(f"{name}: is a folder (expected a Markdown or LaTeX file)") from None
    except OSError as exc:
        raise DeriveError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeriveError(f"{name}: not UTF-8 text (byte {exc.start}); expected a Markdown or LaTeX file") from None


def _emit(output: str | None, text: str | bytes) -> int:
    if output:
        write_atomically(Path(output), text)
    else:
        sys.stdout.write(text)
    return 0


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{path}: the folder {directory} does not exist")
    try:
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        binary = isinstance(text, bytes)
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; a written document is an ordinary file
        os.replace(temp, path)
    except OSError as exc:
        os.unlink(temp)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
