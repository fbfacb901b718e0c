"""The corpora of real posts on typed layers (tests/posts/conv/*, the held-out tests/posts/conv_holdout/*, the blind
tests/posts/conv_blind/* to conv_blind8/*, and the sequence sets tests/posts/sequence_rnn/*,
sequence_attention/* and the held-out sequence_blind_rnn/* to sequence_blind_rnn4/*,
sequence_blind_attention/* and sequence_blind_attention2/*): every folder is complete, its
truth table matches its post line for line, its truth.py (NumPy and torch, never derive) decides the same
verdicts as truth.toml, and its spec.toml, when there is one, reads as a typed-layer or sequence spec."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import derive

CONV = Path(__file__).parent / "posts" / "conv"
HOLDOUT = Path(__file__).parent / "posts" / "conv_holdout"
BLIND = Path(__file__).parent / "posts" / "conv_blind"
BLIND2 = Path(__file__).parent / "posts" / "conv_blind2"
BLIND3 = Path(__file__).parent / "posts" / "conv_blind3"
BLIND4 = Path(__file__).parent / "posts" / "conv_blind4"
BLIND5 = Path(__file__).parent / "posts" / "conv_blind5"
RNN = Path(__file__).parent / "posts" / "sequence_rnn"
ATTENTION = Path(__file__).parent / "posts" / "sequence_attention"
BLIND_ATTENTION = Path(__file__).parent / "posts" / "sequence_blind_attention"
BLIND_RNN = Path(__file__).parent / "posts" / "sequence_blind_rnn"
BLIND_RNN2 = Path(__file__).parent / "posts" / "sequence_blind_rnn2"
BLIND6 = Path(__file__).parent / "posts" / "conv_blind6"
BLIND_RNN3 = Path(__file__).parent / "posts" / "sequence_blind_rnn3"
BLIND7 = Path(__file__).parent / "posts" / "conv_blind7"
BLIND_RNN4 = Path(__file__).parent / "posts" / "sequence_blind_rnn4"
BLIND8 = Path(__file__).parent / "posts" / "conv_blind8"
BLIND_ATTENTION2 = Path(__file__).parent / "posts" / "sequence_blind_attention2"
BLIND9 = Path(__file__).parent / "posts" / "conv_blind9"
BLIND_RNN5 = Path(__file__).parent / "posts" / "sequence_blind_rnn5"
BLIND10 = Path(__file__).parent / "posts" / "conv_blind10"
BLIND_RNN6 = Path(__file__).parent / "posts" / "sequence_blind_rnn6"
BLIND11 = Path(__file__).parent / "posts" / "conv_blind11"
BLIND_ATTENTION3 = Path(__file__).parent / "posts" / "sequence_blind_attention3"
BLIND12 = Path(__file__).parent / "posts" / "conv_blind12"
BLIND_RNN7 = Path(__file__).parent / "posts" / "sequence_blind_rnn7"
BLIND13 = Path(__file__).parent / "posts" / "conv_blind13"
BLIND_ATTENTION4 = Path(__file__).parent / "posts" / "sequence_blind_attention4"
BLIND14 = Path(__file__).parent / "posts" / "conv_blind14"
BLIND_RNN8 = Path(__file__).parent / "posts" / "sequence_blind_rnn8"
BLIND_ATTENTION5 = Path(__file__).parent / "posts" / "sequence_blind_attention5"
BLIND15 = Path(__file__).parent / "posts" / "conv_blind15"
BLIND_RNN9 = Path(__file__).parent / "posts" / "sequence_blind_rnn9"
BLIND16 = Path(__file__).parent / "posts" / "conv_blind16"
BLIND_RNN10 = Path(__file__).parent / "posts" / "sequence_blind_rnn10"
BLIND_ATTENTION6 = Path(__file__).parent / "posts" / "sequence_blind_attention6"
BLIND17 = Path(__file__).parent / "posts" / "conv_blind17"
BLIND18 = Path(__file__).parent / "posts" / "conv_blind18"
BLIND_RNN11 = Path(__file__).parent / "posts" / "sequence_blind_rnn11"
BLIND19 = Path(__file__).parent / "posts" / "conv_blind19"
BLIND_RNN12 = Path(__file__).parent / "posts" / "sequence_blind_rnn12"
BLIND20 = Path(__file__).parent / "posts" / "conv_blind20"
BLIND_ATTENTION7 = Path(__file__).parent / "posts" / "sequence_blind_attention7"
BLIND21 = Path(__file__).parent / "posts" / "conv_blind21"
BLIND22 = Path(__file__).parent / "posts" / "conv_blind22"
BLIND_RNN13 = Path(__file__).parent / "posts" / "sequence_blind_rnn13"
BLIND_ATTENTION8 = Path(__file__).parent / "posts" / "sequence_blind_attention8"
BLIND23 = Path(__file__).parent / "posts" / "conv_blind23"
BLIND_RNN14 = Path(__file__).parent / "posts" / "sequence_blind_rnn14"
BLIND_ATTENTION9 = Path(__file__).parent / "posts" / "sequence_blind_attention9"
BLIND24 = Path(__file__).parent / "posts" / "conv_blind24"
BLIND25 = Path(__file__).parent / "posts" / "conv_blind25"
BLIND_RNN15 = Path(__file__).parent / "posts" / "sequence_blind_rnn15"
BLIND_ATTENTION10 = Path(__file__).parent / "posts" / "sequence_blind_attention10"
BLIND26 = Path(__file__).parent / "posts" / "conv_blind26"
BLIND27 = Path(__file__).parent / "posts" / "conv_blind27"
BLIND28 = Path(__file__).parent / "posts" / "conv_blind28"
BLIND_RNN16 = Path(__file__).parent / "posts" / "sequence_blind_rnn16"
BLIND_RNN17 = Path(__file__).parent / "posts" / "sequence_blind_rnn17"
BLIND_RNN18 = Path(__file__).parent / "posts" / "sequence_blind_rnn18"
BLIND_ATTENTION11 = Path(__file__).parent / "posts" / "sequence_blind_attention11"
BLIND29 = Path(__file__).parent / "posts" / "conv_blind29"
BLIND30 = Path(__file__).parent / "posts" / "conv_blind30"
BLIND_RNN19 = Path(__file__).parent / "posts" / "sequence_blind_rnn19"
BLIND31 = Path(__file__).parent / "posts" / "conv_blind31"
BLIND32 = Path(__file__).parent / "posts" / "conv_blind32"
BLIND33 = Path(__file__).parent / "posts" / "conv_blind33"
BLIND_RNN20 = Path(__file__).parent / "posts" / "sequence_blind_rnn20"
BLIND_RNN21 = Path(__file__).parent / "posts" / "sequence_blind_rnn21"
BLIND34 = Path(__file__).parent / "posts" / "conv_blind34"
BLIND_RNN22 = Path(__file__).parent / "posts" / "sequence_blind_rnn22"
BLIND_RNN23 = Path(__file__).parent / "posts" / "sequence_blind_rnn23"
BLIND35 = Path(__file__).parent / "posts" / "conv_blind35"
BLIND_RNN24 = Path(__file__).parent / "posts" / "sequence_blind_rnn24"
ROOTS = (CONV, HOLDOUT, BLIND, BLIND2, BLIND3, BLIND4, BLIND5, BLIND6, BLIND7, BLIND8, BLIND9, BLIND10, BLIND11, BLIND12,
         BLIND13, RNN, ATTENTION, BLIND_ATTENTION, BLIND_RNN, BLIND_RNN2, BLIND_RNN3, BLIND_RNN4, BLIND_ATTENTION2,
         BLIND_RNN5, BLIND_RNN6, BLIND_ATTENTION3, BLIND_RNN7, BLIND_ATTENTION4, BLIND14, BLIND_RNN8, BLIND_ATTENTION5,
         BLIND15, BLIND_RNN9, BLIND16, BLIND_RNN10, BLIND_ATTENTION6,
         BLIND17, BLIND18, BLIND_RNN11, BLIND19, BLIND_RNN12, BLIND20, BLIND_ATTENTION7, BLIND21, BLIND22, BLIND_RNN13,
         BLIND_ATTENTION8, BLIND23, BLIND_RNN14, BLIND_ATTENTION9, BLIND24, BLIND25, BLIND_RNN15, BLIND_ATTENTION10,
         BLIND26, BLIND27, BLIND28, BLIND_RNN16, BLIND_RNN17, BLIND_RNN18, BLIND_ATTENTION11, BLIND29, BLIND30,
         BLIND_RNN19, BLIND31, BLIND32, BLIND33, BLIND_RNN20, BLIND_RNN21, BLIND34, BLIND_RNN22, BLIND_RNN23, BLIND35,
         BLIND_RNN24)
# the seventh conv set holds the two RMSNorm posts its helper could cite, the fourth attention set the one
# attention derivation, the fifth attention set, the fifteenth conv set and the ninth RNN set their two (their READMEs
# say why)
SMALLEST = {CONV: 6, HOLDOUT: 6, BLIND7: 2, BLIND_ATTENTION4: 1, BLIND_ATTENTION5: 2, BLIND15: 2, BLIND_RNN9: 2, BLIND16: 2,
            BLIND_RNN10: 2, BLIND_ATTENTION6: 1, BLIND17: 2, BLIND18: 1, BLIND_RNN11: 2,
            BLIND19: 2, BLIND_RNN12: 1, BLIND20: 1, BLIND_ATTENTION7: 1, BLIND21: 1, BLIND22: 1, BLIND_RNN13: 1,
            BLIND_ATTENTION8: 1, BLIND23: 1, BLIND_RNN14: 1, BLIND_ATTENTION9: 1, BLIND24: 1, BLIND25: 1, BLIND_RNN15: 1,
            BLIND_ATTENTION10: 1, BLIND26: 1, BLIND27: 1, BLIND28: 1, BLIND_RNN16: 2, BLIND_RNN17: 1, BLIND_RNN18: 1,
            BLIND_ATTENTION11: 1, BLIND29: 1, BLIND30: 1, BLIND_RNN19: 1, BLIND31: 1, BLIND32: 1, BLIND33: 1,
            BLIND_RNN20: 1, BLIND_RNN21: 1, BLIND34: 1, BLIND_RNN22: 1, BLIND_RNN23: 1,
            BLIND35: 1, BLIND_RNN24: 1}
FOLDERS = sorted(p for root in ROOTS for p in root.iterdir() if p.is_dir())
VERDICTS = {"ok", "wrong", "unchecked"}
KINDS = {"formula", "number"}


def truth(folder: Path) -> dict:
    return tomllib.loads((folder / "truth.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("root", ROOTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_is_there(root: Path):
    folders = [p for p in FOLDERS if p.parent == root]
    assert len(folders) >= SMALLEST.get(root, 3), [p.name for p in folders]
    assert (root / "README.md").exists()
    readme = (root / "README.md").read_text(encoding="utf-8")
    for folder in folders:
        assert folder.name in readme, f"{folder.name} is missing from the README's table"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_folder_is_complete(folder: Path):
    for name in ("post.md", "truth.toml", "truth.py"):
        assert (folder / name).is_file(), f"{folder.name}: no {name}"
    data = truth(folder)
    source = data["source"]
    assert source["url"].startswith("https://"), source["url"]
    if "github.com" in source["url"]:
        assert re.search(r"/blob/[0-9a-f]{40}/", source["url"]), f"{folder.name}: GitHub url without a commit hash"
    for key in ("title", "author", "licence", "retrieved", "excerpt", "notes"):
        assert str(source.get(key, "")).strip(), f"{folder.name}: source.{key} is empty"
    assert source["retrieved"] in ("2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05"), source["retrieved"]   # the days the sets were made
    claims = data.get("claim", [])
    assert len(claims) >= 3, f"{folder.name}: {len(claims)} claims"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_claims_quote_their_lines(folder: Path):
    lines = (folder / "post.md").read_text(encoding="utf-8").split("\n")
    seen = set()
    for claim in truth(folder)["claim"]:
        line = claim["line"]
        assert line not in seen, f"{folder.name}: two claims on line {line}"
        seen.add(line)
        assert 1 <= line <= len(lines), f"{folder.name}: line {line} is past the end of post.md"
        assert claim["text"] == lines[line - 1], f"{folder.name}: line {line} text differs from post.md"
        assert claim["text"].strip(), f"{folder.name}: line {line} is blank"
        assert claim["verdict"] in VERDICTS, claim
        assert claim["kind"] in KINDS, claim
        if claim["verdict"] == "wrong":
            assert claim.get("why", "").strip(), f"{folder.name}: line {line} is wrong without a why"
            assert claim.get("error") in ("primary", "carried"), f"{folder.name}: line {line} error kind"
        else:
            assert "error" not in claim, f"{folder.name}: line {line} has an error kind but is {claim['verdict']}"


@pytest.fixture(scope="module")
def truth_runner():
    from truth_runner import TruthRunner
    runner = TruthRunner()
    yield runner
    runner.close()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_truth_py_agrees(folder: Path, truth_runner):
    returncode, stdout, stderr = truth_runner.run(folder)
    assert returncode == 0, f"{folder.name}: truth.py failed\n{stdout[-3000:]}\n{stderr[-3000:]}"
    decided = {int(n): v for n, v in re.findall(r"^line (\d+): (ok|wrong|unchecked)\b", stdout, re.M)}
    table = {c["line"]: c["verdict"] for c in truth(folder)["claim"]}
    assert decided == table, f"{folder.name}: truth.py decides {decided}, truth.toml says {table}"


@pytest.mark.parametrize("folder", [f for f in FOLDERS if (f / "spec.toml").exists()], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_spec_loads(folder: Path):
    from derive.spec.load import tensor_spec_from_dict

    data = tomllib.loads((folder / "spec.toml").read_text(encoding="utf-8"))
    if not any("type" in layer for layer in data["layers"]):       # a dense network, as the real posts' specs
        assert derive.derive(derive.load(folder / "spec.toml")).spec.layers
        return
    spec = tensor_spec_from_dict(data, str(folder))
    assert spec.layers and len(spec.inputs) == len(spec.targets)
