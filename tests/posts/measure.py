"""derive verify against the real-post corpus (tests/posts/real/*): each post's truth table,
decided by hand and with NumPy (truth.py) and never by derive, set against verify's verdicts.

    python tests/posts/measure.py            # the table per post, and the totals
    python tests/posts/measure.py --conv     # the conv, pooling and normalization posts (tests/posts/conv/*)
    python tests/posts/measure.py --holdout  # the held-out ones (tests/posts/conv_holdout/*)
    python tests/posts/measure.py --blind    # the blind ones (tests/posts/conv_blind/*)
    python tests/posts/measure.py --blind2   # the second blind set (tests/posts/conv_blind2/*)
    python tests/posts/measure.py --blind3   # the third (tests/posts/conv_blind3/*)
    python tests/posts/measure.py --blind4   # the fourth (tests/posts/conv_blind4/*)
    python tests/posts/measure.py --blind5   # the fifth (tests/posts/conv_blind5/*)
    python tests/posts/measure.py --rnn      # RNN, LSTM and GRU posts (tests/posts/sequence_rnn/*)
    python tests/posts/measure.py --attention  # attention and transformer posts (tests/posts/sequence_attention/*)
    python tests/posts/measure.py --blind-attention  # held-out attention posts (tests/posts/sequence_blind_attention/*)
    python tests/posts/measure.py --blind-rnn  # held-out RNN, LSTM and GRU posts (tests/posts/sequence_blind_rnn/*)
    python tests/posts/measure.py --blind-rnn2  # the second held-out set of them (tests/posts/sequence_blind_rnn2/*)
    python tests/posts/measure.py --blind-rnn3  # the third: RNN, LSTM, GRU and attention (tests/posts/sequence_blind_rnn3/*)
    python tests/posts/measure.py --blind6   # the sixth conv and normalization set (tests/posts/conv_blind6/*)
    python tests/posts/measure.py --blind7   # the seventh: RMSNorm (tests/posts/conv_blind7/*)
    python tests/posts/measure.py --blind-rnn4  # the fourth sequence set (tests/posts/sequence_blind_rnn4/*)
    python tests/posts/measure.py --blind8   # the eighth conv set (tests/posts/conv_blind8/*)
    python tests/posts/measure.py --blind-attention2  # the second attention set (tests/posts/sequence_blind_attention2/*)
    python tests/posts/measure.py --blind9   # the ninth conv set (tests/posts/conv_blind9/*)
    python tests/posts/measure.py --blind-rnn5  # the fifth sequence set: GRU, attention, LSTM (tests/posts/sequence_blind_rnn5/*)
    python tests/posts/measure.py --blind10  # the tenth conv set (tests/posts/conv_blind10/*)
    python tests/posts/measure.py --blind-rnn6  # the sixth sequence set (tests/posts/sequence_blind_rnn6/*)
    python tests/posts/measure.py --blind-attention3  # the third attention set (sequence_blind_attention3/*)
    python tests/posts/measure.py --blind11  # the eleventh conv set (tests/posts/conv_blind11/*)
    python tests/posts/measure.py --blind12  # the twelfth conv set (tests/posts/conv_blind12/*)
    python tests/posts/measure.py --blind-rnn7  # the seventh sequence set (tests/posts/sequence_blind_rnn7/*)
    python tests/posts/measure.py --blind13  # the thirteenth conv set (tests/posts/conv_blind13/*)
    python tests/posts/measure.py --blind-attention4  # the fourth attention set (sequence_blind_attention4/*)

A post whose spec verify refuses to read (one line, exit 2) has every claim unchecked.

A truth claim is one line of the post. verify's verdict for that line: wrong if any claim on it is
wrong, ok if every claim on it is ok, unchecked if it has none or one is unchecked.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REAL = Path(__file__).parent / "real"
CONV = Path(__file__).parent / "conv"
HOLDOUT = Path(__file__).parent / "conv_holdout"
BLIND = Path(__file__).parent / "conv_blind"
BLIND2 = Path(__file__).parent / "conv_blind2"
BLIND3 = Path(__file__).parent / "conv_blind3"
BLIND4 = Path(__file__).parent / "conv_blind4"
BLIND5 = Path(__file__).parent / "conv_blind5"
RNN = Path(__file__).parent / "sequence_rnn"
ATTENTION = Path(__file__).parent / "sequence_attention"
BLIND_ATTENTION = Path(__file__).parent / "sequence_blind_attention"
BLIND_RNN = Path(__file__).parent / "sequence_blind_rnn"
BLIND_RNN2 = Path(__file__).parent / "sequence_blind_rnn2"
BLIND_RNN3 = Path(__file__).parent / "sequence_blind_rnn3"
BLIND6 = Path(__file__).parent / "conv_blind6"
BLIND7 = Path(__file__).parent / "conv_blind7"
BLIND_RNN4 = Path(__file__).parent / "sequence_blind_rnn4"
BLIND8 = Path(__file__).parent / "conv_blind8"
BLIND_ATTENTION2 = Path(__file__).parent / "sequence_blind_attention2"
BLIND9 = Path(__file__).parent / "conv_blind9"
BLIND_RNN5 = Path(__file__).parent / "sequence_blind_rnn5"
BLIND10 = Path(__file__).parent / "conv_blind10"
BLIND_RNN6 = Path(__file__).parent / "sequence_blind_rnn6"
BLIND_ATTENTION3 = Path(__file__).parent / "sequence_blind_attention3"
BLIND11 = Path(__file__).parent / "conv_blind11"
BLIND12 = Path(__file__).parent / "conv_blind12"
BLIND_RNN7 = Path(__file__).parent / "sequence_blind_rnn7"
BLIND13 = Path(__file__).parent / "conv_blind13"
BLIND_ATTENTION4 = Path(__file__).parent / "sequence_blind_attention4"
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


def main() -> None:
    roots = {"--conv": CONV, "--holdout": HOLDOUT, "--blind": BLIND, "--blind2": BLIND2, "--blind3": BLIND3,
             "--blind4": BLIND4, "--blind5": BLIND5, "--rnn": RNN, "--attention": ATTENTION,
             "--blind-attention": BLIND_ATTENTION, "--blind-rnn": BLIND_RNN,
             "--blind-rnn2": BLIND_RNN2, "--blind-rnn3": BLIND_RNN3, "--blind6": BLIND6,
             "--blind7": BLIND7, "--blind-rnn4": BLIND_RNN4,
             "--blind8": BLIND8, "--blind-attention2": BLIND_ATTENTION2, "--blind9": BLIND9,
             "--blind-rnn5": BLIND_RNN5, "--blind10": BLIND10, "--blind-rnn6": BLIND_RNN6,
             "--blind-attention3": BLIND_ATTENTION3, "--blind11": BLIND11,
             "--blind12": BLIND12, "--blind-rnn7": BLIND_RNN7,
             "--blind13": BLIND13, "--blind-attention4": BLIND_ATTENTION4}
    root = next((roots[flag] for flag in sys.argv[1:] if flag in roots), REAL)
    scores = [score(folder) for folder in posts(root)]
    print(table(scores))
    if "-v" in sys.argv:
        for sc in scores:
            print(f"{sc.post}: false alarms {sc.false_alarms}, missed {sc.missed}, unchecked {sc.unchecked_lines}")


if __name__ == "__main__":
    main()
