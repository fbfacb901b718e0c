"""derive verify against the real-post corpus (tests/posts/real/*): each post's truth table,
decided by hand and with NumPy (truth.py) and never by derive, set against verify's verdicts.

    python tests/posts/measure.py            # the table per post, and the totals
    python tests/posts/measure.py --conv     # the conv, pooling and normalization posts (tests/posts/conv/*)
    python tests/posts/measure.py --holdout  # the held-out ones (tests/posts/conv_holdout/*)
    python tests/posts/measure.py --rnn      # RNN, LSTM and GRU posts (tests/posts/sequence_rnn/*)
    python tests/posts/measure.py --attention  # attention and transformer posts (tests/posts/sequence_attention/*)
    python tests/posts/measure.py --blind13  # a blind conv set (tests/posts/conv_blind13/*; --blind is conv_blind)
    python tests/posts/measure.py --blind-rnn7  # a blind sequence set (tests/posts/sequence_blind_rnn7/*)
    python tests/posts/measure.py --blind-attention4 -v  # -v: each post's false alarms, misses, unchecked lines

A post whose spec verify refuses to read (one line, exit 2) has every claim unchecked.

A truth claim is one line of the post. verify's verdict for that line: wrong if any claim on it is
wrong, ok if every claim on it is ok, unchecked if it has none or one is unchecked.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REAL = Path(__file__).parent / "real"
NEAR = 4


@dataclass
class Score:
    post: str
    claims: int = 0
    ok: int = 0
    wrong: int = 0
    unchecked: int = 0
    errors: int = 0                 # real errors in the truth table (primary and carried)
    primary: int = 0
    caught: int = 0
    caught_primary: int = 0
    false_alarms: list = field(default_factory=list)      # lines right in truth, wrong in verify
    carried_roundings: list = field(default_factory=list)  # of those, the lines right by rounding
    missed: list = field(default_factory=list)
    unchecked_lines: list = field(default_factory=list)


def posts(root: Path = REAL) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "truth.toml").exists() and (p / "spec.toml").exists())


def document(folder: Path) -> Path:
    return next(folder / name for name in ("post.md", "post.tex", "post.txt") if (folder / name).exists())


def score(folder: Path) -> Score:
    import derive
    from derive.errors import DeriveError
    from derive.verify import Checker, verify_text
    truth = tomllib.loads((folder / "truth.toml").read_text(encoding="utf-8"))
    doc = document(folder)
    try:
        report = verify_text(Checker(derive.derive(derive.load(folder / "spec.toml"))), doc.read_text(encoding="utf-8"),
                             doc.name)
        claims = report.claims
    except DeriveError:              # verify does not read this kind of network: nothing is checked
        claims = []
    # each of verify's claims goes to its own truth line, else to the truth line nearest it (the tables
    # mark a row written over two lines at the line of its left side or of its right; verify, at the
    # row's first line), within NEAR lines; between two as near, to one no claim has gone to yet
    truth_lines = sorted({entry["line"] for entry in truth.get("claim", [])})
    by_line: dict[int, list[str]] = {}
    for claim in claims:
        if claim.line in truth_lines:
            by_line.setdefault(claim.line, []).append(claim.verdict)
    for claim in claims:
        if claim.line in truth_lines:
            continue
        near = min(truth_lines, key=lambda t: (abs(t - claim.line), t in by_line, t), default=None)
        if near is not None and abs(near - claim.line) <= NEAR:
            by_line.setdefault(near, []).append(claim.verdict)
    result = Score(folder.name)
    for entry in truth.get("claim", []):
        line, right = entry["line"], entry["verdict"] != "wrong"     # a truth of unchecked states no value
        verdicts = by_line.get(line, [])
        said = ("wrong" if "wrong" in verdicts else "unchecked" if not verdicts or "unchecked" in verdicts
                else "ok")
        result.claims += 1
        setattr(result, said, getattr(result, said) + 1)
        if said == "unchecked":
            result.unchecked_lines.append(line)
        if not right:
            result.errors += 1
            primary = entry.get("error", "primary") == "primary"
            result.primary += primary
            if said == "wrong":
                result.caught += 1
                result.caught_primary += primary
            else:
                result.missed.append(line)
        elif said == "wrong":
            result.false_alarms.append(line)
            if "rounded_from" in entry:
                result.carried_roundings.append(line)
    return result


def table(scores: list[Score]) -> str:
    head = ("| post | claims | ok | wrong | unchecked | real errors (primary) | caught (primary) | false alarms "
            "| carried roundings called wrong |")
    rows = [head, "|" + "---|" * 9]
    total = Score("**total**")
    for sc in scores:
        rows.append(f"| {sc.post} | {sc.claims} | {sc.ok} | {sc.wrong} | {sc.unchecked} | {sc.errors} ({sc.primary}) "
                    f"| {sc.caught} ({sc.caught_primary}) | {len(sc.false_alarms)} | {len(sc.carried_roundings)} |")
        for name in ("claims", "ok", "wrong", "unchecked", "errors", "primary", "caught", "caught_primary"):
            setattr(total, name, getattr(total, name) + getattr(sc, name))
        total.false_alarms += sc.false_alarms
        total.carried_roundings += sc.carried_roundings
    rows.append(f"| {total.post} | {total.claims} | {total.ok} | {total.wrong} | {total.unchecked} "
                f"({100 * total.unchecked / max(total.claims, 1):.0f}%) | {total.errors} ({total.primary}) "
                f"| {total.caught} ({total.caught_primary}) = {100 * total.caught / max(total.errors, 1):.0f}% "
                f"| {len(total.false_alarms)} | {len(total.carried_roundings)} |")
    return "\n".join(rows)


def root(flag: str) -> Path | None:
    """The folder a flag names: --conv, --holdout, --rnn, --attention, --blind[N] (conv_blind[N]) and
    --blind-<family>[N] (sequence_blind_<family>[N]); None for any other argument."""
    fixed = {"--conv": "conv", "--holdout": "conv_holdout", "--rnn": "sequence_rnn",
             "--attention": "sequence_attention"}
    name = fixed.get(flag)
    if name is None and (found := re.fullmatch(r"--blind(\d*)", flag)):
        name = f"conv_blind{found[1]}"
    if name is None and (found := re.fullmatch(r"--blind-([a-z]+\d*)", flag)):
        name = f"sequence_blind_{found[1]}"
    if name is None:
        return None
    folder = Path(__file__).parent / name
    if not folder.is_dir():
        sys.exit(f"measure.py: {flag} names {folder}, which is not a folder of posts")
    return folder


def main() -> None:
    flags = [arg for arg in sys.argv[1:] if arg.startswith("--")]
    unknown = [flag for flag in flags if root(flag) is None]
    if unknown:
        sys.exit(f"measure.py: unknown flag {unknown[0]}; expected --conv, --holdout, --rnn, --attention, "
                 "--blind<N> or --blind-<family><N>")
    root_ = root(flags[0]) if flags else REAL
    scores = [score(folder) for folder in posts(root_)]
    print(table(scores))
    if "-v" in sys.argv:
        for sc in scores:
            print(f"{sc.post}: false alarms {sc.false_alarms}, missed {sc.missed}, unchecked {sc.unchecked_lines}")


if __name__ == "__main__":
    main()
