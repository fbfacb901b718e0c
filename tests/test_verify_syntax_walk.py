"""The syntax walks (syntax.nodes, written.written_names and the others) skip the fields that
syntax.node_fields calls leaves, by their annotations: no such field of any tree read from the
corpora (seed posts, real posts, every preset's documents) holds a node."""

from pathlib import Path

import derive
from derive.verify import syntax as s
from derive.verify.reader import ReadError, read
from derive.verify.regions import scan
from derive.verify.rows import split_rows

HERE = Path(__file__).parent


def _documents():
    yield from (p.read_text(encoding="utf-8") for p in sorted((HERE / "seeds" / "posts").glob("*.txt")))
    yield from (next(folder.glob("post.*")).read_text(encoding="utf-8")
                for folder in sorted((HERE / "posts" / "real").iterdir()) if (folder / "spec.toml").exists())
    for preset in ("mazur", "batch4", "residual"):
        result = derive.derive(derive.load(preset))
        yield from (result.render("markdown", notation) for notation in ("neuron", "index", "layer"))


def _holds_a_node(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_holds_a_node(item) for item in value)
    return isinstance(value, (s.Node, s.Script, s.Line))


def test_no_leaf_field_of_a_read_tree_holds_a_node():
    trees = 0
    for document in _documents():
        for region in scan(document, "post.md"):
            for _, row in split_rows(region.text):
                try:
                    lines = read(row)
                except ReadError:
                    continue
                for item in s.nodes(lines):
                    trees += 1
                    leaves = set(item.__dataclass_fields__) - set(s.node_fields(item))
                    assert not any(_holds_a_node(getattr(item, name)) for name in leaves), item
    assert trees > 10_000
