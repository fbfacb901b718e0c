"""A verify report three ways: a terminal table, JSON, and the document with a mark after each claim."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from html import escape

from ..errors import DeriveError
from .claims import Claim, Report, shorten
from .html_regions import is_html, markup
from .regions import is_latex, normalize
from .typst_regions import is_typst, typst_comment

MARKS = {"ok": "✓", "wrong": "✗", "unchecked": "?"}


def table(report: Report, width: int | None = None) -> str:
    """One row per claim: mark, line, the claim shortened to fit, and why."""
    if not report.claims:
        return "no claims found\n"
    width = width or shutil.get_terminal_size((100, 24)).columns
    line_width = max(len(str(c.line)) for c in report.claims)
    claim_width = max(24, min(60, width // 2 - line_width))
    rows = []
    for claim in report.claims:
        text = shorten(claim.text, claim_width)
        reason = claim.reason or ""
        if claim.expected is not None and "expected" not in reason:
            reason = f"expected {claim.expected}; {reason}" if reason else f"expected {claim.expected}"
        rows.append(f"{MARKS[claim.verdict]} {claim.line:>{line_width}}  {text:<{claim_width}}  {reason}".rstrip())
    summary = report.summary
    rows.append(f"{summary['ok']} right, {summary['wrong']} wrong, {summary['unchecked']} unchecked "
                f"({report.notation} notation)")
    return "\n".join(rows) + "\n"


def names(report: Report, every: bool = False) -> str:
    """The post's own names as verify read them; with `every`, also those it could not read."""
    lines = [binding.sentence() for binding in report.bindings]
    if every:
        unknown = sorted({c.unknown for c in report.claims if c.unknown})
        lines += [f"not read: {name} (give it an alias in the spec's [aliases])" for name in unknown]
        if not lines:
            lines = ["every name is the notation's own"]
    return "".join(line + "\n" for line in lines)


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2) + "\n"


def as_dict(report: Report) -> dict:
    """The report as JSON's objects: claims, summary (with the primary mistakes) and the post's names."""
    claims = []
    for c in report.claims:
        claim = {"line": c.line, "text": c.text, "verdict": c.verdict, "expected": c.expected, "reason": c.reason}
        if c.carries is not None:
            claim["carries"] = c.carries
        if c.rounded_from is not None:
            claim["rounded_from"] = c.rounded_from
        claims.append(claim)
    summary = report.summary | {"primary": report.primary}
    bindings = [{"written": b.written, "read_as": b.meant, "by": b.evidence, "line": b.line} for b in report.bindings]
    return {"claims": claims, "summary": summary, "bindings": bindings}


def annotate(text: str, report: Report, name: str = "") -> str:
    """The document with a mark after each claim's math region: a comment in LaTeX, HTML and Typst, text in
    Markdown."""
    text = normalize(text)       # the offsets of the claims refer to the normalized text
    by_end: dict[int, list[Claim]] = {}
    for claim in report.claims:
        by_end.setdefault(claim.end, []).append(claim)
    latex, html = is_latex(text, name), is_html(text, name)
    typst = not (latex or html) and is_typst(text, name)
    inserts = []
    for end, claims in by_end.items():
        mark = _mark(claims, markdown=not (latex or html or typst))
        if typst:               # a comment right after the math: the typeset page is unchanged
            inserts.append((end, typst_comment(f"derive: {mark}")))
        elif html:                # a comment after the element (or before it: see html_regions): the page looks the same
            inserts.append((end, f"<!--{_comment_text(mark)}-->"))
        elif latex:             # a comment at the end of the line: the compiled document is unchanged
            stop = text.find("\n", end)
            stop = len(text) if stop < 0 else stop
            inserts.append((stop, f" % derive: {mark}"))
        elif end > 0 and text[end - 1] == "\n":      # a display block: its own paragraph below it
            after = "" if text.startswith("\n", end) else "\n"
            inserts.append((end, f"\n*derive: {mark}*\n{after}"))
        elif end == len(text) and _starts_line(text, claims[0].start):    # a display block at the very end
            inserts.append((end, f"\n\n*derive: {mark}*\n"))
        else:
            inserts.append((end, f" *[derive: {mark}]*"))
    out, cursor = [], 0
    for at, mark in sorted(inserts, key=lambda item: item[0]):
        out.append(text[cursor:at])
        out.append(mark)
        cursor = at
    out.append(text[cursor:])
    marked = "".join(out)
    if html:
        _same_markup(text, marked, [_comment_text(_mark(claims, False)) for claims in by_end.values()])
    return marked


def _comment_text(mark: str) -> str:
    """The mark as inert comment text: no < or > (so no -->, no tag), no quotes, no -- (for XHTML too)."""
    text = escape(mark)
    while "--" in text:
        text = text.replace("--", "- -")
    return f" derive: {text} "


def _same_markup(page: str, marked: str, comments: list[str]) -> None:
    """The last line of defence: the marked page must read as the page did, plus the marks' comments."""
    ours = Counter(comments)
    events: list[tuple] = []
    for event in markup(marked):
        if event[0] == "comment" and ours[event[1]] > 0:
            ours[event[1]] -= 1
        elif event[0] == "text" and events and events[-1][0] == "text":
            events[-1] = ("text", events[-1][1] + event[1])
        else:
            events.append(event)
    if events != markup(page) or +ours:
        raise DeriveError("--annotate: a mark would change how this HTML page reads (an unusual comment or "
                          "tag near a formula); expected ordinary HTML, or annotate the Markdown source")


def _mark(claims: list[Claim], markdown: bool) -> str:
    if all(c.verdict == "ok" for c in claims):
        return MARKS["ok"] if len(claims) == 1 else f"{MARKS['ok']} ({len(claims)} claims)"
    parts = []
    for claim in claims:
        if claim.verdict == "ok":
            continue
        detail = claim.reason or ""
        if claim.expected is not None:
            detail = f"expected {claim.expected}; {detail}"
        detail = " ".join(detail.split())
        which = shorten(claim.text, 60)
        if markdown:    # the claim as code, the reason inert: no emphasis, table cell break or new math
            code = which.replace("`", "").replace("|", "\\|")
            which, detail = f"`{code}`", _escape(detail)
        parts.append(f"{MARKS[claim.verdict]} {which}: {detail}".rstrip(": "))
    ok = sum(c.verdict == "ok" for c in claims)
    return "; ".join(parts) + (f"; {MARKS['ok']} {ok} more" if ok else "")


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*_|$`[]<>\\" else ch for ch in text)


def _starts_line(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] == "\n"

