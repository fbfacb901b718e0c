"""`derive verify`: each document checked against its spec, the SPEC given or the one its front matter
names (verify/front_matter.py), and the reports in the asked format: table, json or github.

    derive verify SPEC DOC [DOC ...]     every document against SPEC
    derive verify DOC [DOC ...]          each document against the spec its front matter names
    derive verify SPEC --claim TEX       one formula
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import DeriveError
from .files import check_output, write_atomically

FORMATS = ("table", "json", "github")
# A first operand with one of these endings is a document, so `derive verify a.md b.md` is two posts.
DOCUMENT_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mdx", ".qmd", ".rmd", ".tex", ".ltx",
                     ".html", ".htm", ".txt")
NO_SPEC = ("{doc}: no spec to check it against; expected 'derive verify SPEC {doc}' or a derive: key in the "
           "post's front matter, as in: derive: {{spec: net.toml}}")


def run(args: argparse.Namespace) -> int:
    """The verify command: 0 when no claim is wrong, 1 when one is (a DeriveError for bad input)."""
    output = _format(args)
    spec_name, docs = _operands(args.operands, args.claim)
    _check_options(args, docs)
    if args.claim is not None:
        from . import verify

        report = verify.verify_claim(_checker(args, ("given", spec_name), "", {}), args.claim, args.notation)
        return _print(args, output, [("", report)])
    texts = [(doc, _read_document(doc)) for doc in docs]
    checks = _specs(args, spec_name, texts)        # every spec loaded before any output: bad input is one line
    reports = _verified(args, checks)
    if args.annotate or args.fix:
        _write_copies(args, checks[0], reports[0][1])
    return _print(args, output, reports, named=spec_name is None or len(docs) > 1)


def _format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "json"):
        raise DeriveError(f"--json and --format {args.format}: expected one of them (--json is --format json)")
    return "json" if args.json else args.format or "table"


def _operands(operands: list[str], claim: str | None) -> tuple[str | None, list[str]]:
    """(SPEC or None, the documents): the first operand is SPEC unless it is a document's name."""
    from .spec import presets

    if claim is not None:
        if len(operands) != 1:
            raise DeriveError("verify: expected a document DOC or --claim TEX (one of them), got both"
                              if operands else "verify --claim: expected SPEC, as in: derive verify mazur --claim TEX")
        return operands[0], []
    if not operands:
        raise DeriveError("verify: expected a document DOC (its front matter naming its spec) or SPEC DOC")
    first = operands[0]
    names_spec = first.endswith(".toml") or first in presets.names()
    if len(operands) == 1 and names_spec:
        raise DeriveError("verify: expected a document DOC or --claim TEX (one of them) after SPEC")
    if len(operands) > 1 and (names_spec or first != "-" and not first.lower().endswith(DOCUMENT_SUFFIXES)):
        return first, operands[1:]
    return None, operands


def _check_options(args: argparse.Namespace, docs: list[str]) -> None:
    for option, value in (("--annotate", args.annotate), ("--fix", args.fix)):
        if value and args.claim is not None:
            raise DeriveError(f"{option}: expected a document DOC to {option[2:]}, not --claim")
        if value and len(docs) > 1:
            raise DeriveError(f"{option}: expected one document, got {len(docs)}")
    if args.fix and args.annotate and Path(args.fix).resolve() == Path(args.annotate).resolve():
        raise DeriveError("--fix and --annotate: expected two different files, got the same one twice")

    check_output(args.fix, "--fix")
    if docs.count("-") > 1:
        raise DeriveError("verify: stdin ('-') given twice; expected it once")


def _specs(args: argparse.Namespace, spec_name: str | None, texts: list[tuple[str, str]]) -> list[tuple]:
    """(document, text, checker) for each document that has a spec; a document without one is an error,
    or with --only-with-front-matter skipped with a note."""
    from .verify.front_matter import spec_source

    checkers: dict = {}
    checks = []
    for doc, text in texts:
        source = ("given", spec_name) if spec_name is not None else spec_source(text, doc)
        if source is None and args.only_with_front_matter:
            print(f"derive: {doc}: skipped: its front matter names no spec (no derive: key)", file=sys.stderr)
            continue
        if source is None:
            raise DeriveError(NO_SPEC.format(doc=doc))
        checks.append((doc, text, _checker(args, source, doc, checkers)))
    return checks


def _checker(args: argparse.Namespace, source: tuple[str, str], doc: str, checkers: dict):
    """The checker of a spec, built once for all the documents that use it: ("given", SPEC) from the
    command line, or a front matter's spec_source (a file by its resolved path, a preset, a TOML text)."""
    from .spec import cost
    from . import verify
    from .api import derive, load
    from .verify.front_matter import load_source

    kind, value = source
    key = ("file", str(Path(value).resolve())) if kind == "file" else source
    if key not in checkers:
        spec = load(value) if kind == "given" else load_source(source, doc)
        cost.check(spec, args.time_limit or None)
        checkers[key] = verify.Checker(derive(spec))
    return checkers[key]


def _verified(args: argparse.Namespace, checks: list[tuple]) -> list[tuple]:
    from . import verify
    from .verify.front_matter import for_checking

    return [(doc, verify.verify_text(checker, for_checking(text, doc), doc, args.notation))
            for doc, text, checker in checks]


def _write_copies(args: argparse.Namespace, check: tuple, report) -> None:
    """--annotate and --fix: the post itself, front matter as written, with marks or corrections."""
    from .verify.front_matter import find, for_checking
    from .verify.fix import repair
    from .verify.output import annotate

    doc, text, checker = check
    if args.annotate:
        write_atomically(Path(args.annotate), annotate(text, report, doc))
    if args.fix:
        fixed, changes = repair(checker, for_checking(text, doc), doc, report)
        # the blanked front matter holds no claim, so nothing in it changed: its own text goes back
        front = find(text, doc)
        kept = front.end if front is not None else 0
        write_atomically(Path(args.fix), text[:kept] + fixed[kept:])
        for change in changes:
            print(change, file=sys.stderr)
        figures = sum(change.new is not None for change in changes)
        print(f"fixed {figures} figure{'s' * (figures != 1)}, marked {len(changes) - figures} "
              f"formula{'s' * (len(changes) - figures != 1)} in {args.fix}", file=sys.stderr)


def _print(args: argparse.Namespace, output: str, reports: list[tuple], named: bool = False) -> int:
    """The reports; `named`: each under its document's name (a table's heading, JSON's list of documents),
    as when the documents name their own specs or are several (a hook may pass them one at a time)."""
    from .verify.github import workflow_commands
    from .verify.output import as_dict, as_json, names, table

    if output == "github":
        sys.stdout.write(workflow_commands(reports))
    elif output == "json" and not named:
        sys.stdout.write(as_json(reports[0][1]))
    elif output == "json":
        sys.stdout.write(json.dumps([{"document": doc} | as_dict(report) for doc, report in reports],
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        for doc, report in reports:
            sys.stdout.write((f"{doc}:\n" if named else "") + table(report) + names(report, args.explain_names))
    return 1 if any(report.summary["wrong"] for _, report in reports) else 0


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
