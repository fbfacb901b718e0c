"""The bookkeeping every truth.py of this corpus shares: each claim's verdict printed as
"line N: verdict  reason", then all of them set against the post's truth.toml (exit 1 on a difference)."""

import sys
import tomllib
from pathlib import Path

VERDICTS = {}


def decide(line, ok, why=""):
    VERDICTS[line] = "ok" if ok else "wrong"
    print(f"line {line}: {VERDICTS[line]}  {why}")


def unchecked(line, why=""):
    VERDICTS[line] = "unchecked"
    print(f"line {line}: unchecked  {why}")


def finish():
    """Compare with the truth.toml beside the script that is running."""
    truth = tomllib.loads((Path(sys.argv[0]).resolve().parent / "truth.toml").read_text(encoding="utf-8"))
    table = {c["line"]: c["verdict"] for c in truth["claim"]}
    bad = {n: (VERDICTS.get(n), v) for n, v in table.items() if VERDICTS.get(n) != v}
    extra = sorted(set(VERDICTS) - set(table))
    if bad or extra:
        print("DISAGREES with truth.toml:", bad, "not in truth.toml:", extra)
        sys.exit(1)
    print(f"all {len(table)} verdicts agree with truth.toml")


class Strict:
    """An array whose entries outside its shape are undefined (IndexError), never wrapped or zero: an index a
    printed formula reads literally."""

    def __init__(self, a):
        self.a = a

    def __call__(self, *idx):
        if any(i < 0 or i >= n for i, n in zip(idx, self.a.shape)):
            raise IndexError(idx)
        return self.a[idx]
