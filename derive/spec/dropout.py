"""A layer's dropout with a fixed mask: `dropout = p` (the probability of dropping a unit) and
`mask` (which units are kept: one row for every sample, or one row per sample). A kept unit's
output is scaled by 1/(1 - p), inverted dropout as PyTorch and the course notes write it, so
the expected output is the undropped one. The mask is data, like the inputs: it is not learned."""

from __future__ import annotations

from typing import Any, Mapping

from .checks import Checker, _kind, shown


def read_dropout(check: Checker, raw: Mapping[str, Any], field: str, units: int, last: bool,
                 numeric: bool) -> tuple[float, tuple[tuple[int, ...], ...] | None]:
    """(p, the mask rows as given) of one layer; (0.0, None) without dropout."""
    if "dropout" not in raw:
        if "mask" in raw:
            raise check.fail(f"{field}.mask", "given without dropout; expected dropout = p (the probability "
                             "of dropping a unit) with it")
        return 0.0, None
    p = check.number(raw["dropout"], f"{field}.dropout")
    if not 0 < p < 1:
        raise check.fail(f"{field}.dropout", f"expected a probability of dropping a unit, above 0 and below 1, "
                         f"got {shown(raw['dropout'])}")
    if last:
        raise check.fail(f"{field}.dropout", "dropout on the output layer; expected it on hidden layers only "
                         "(the loss reads every output)")
    if not numeric:
        if "mask" in raw:
            raise check.fail(f"{field}.mask", "given without input.values; a derivation without numbers "
                             "keeps the mask as a symbol")
        return p, None
    if "mask" not in raw:
        raise check.fail(f"{field}.mask", "missing key (the fixed mask of 0s and 1s: one per unit, or one "
                         "row per sample)")
    value = raw["mask"]
    rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    if not isinstance(value, list) or not value:
        raise check.fail(f"{field}.mask", f"expected a list of {units} zeros and ones (one per unit), got "
                         f"{_kind(value)}")
    mask = []
    for i, row in enumerate(rows, start=1):
        where = f"{field}.mask" + (f"[{i}]" if rows is value else "")
        if not isinstance(row, list) or len(row) != units:
            raise check.fail(where, f"expected {units} zeros and ones (one per unit), got "
                             + (f"{len(row)}" if isinstance(row, list) else _kind(row)))
        for j, entry in enumerate(row, start=1):
            if isinstance(entry, bool) or entry not in (0, 1):
                got = shown(entry) if isinstance(entry, (int, float)) and not isinstance(entry, bool) else _kind(entry)
                raise check.fail(f"{where}[{j}]", f"expected 0 (dropped) or 1 (kept), got {got}")
        mask.append(tuple(int(entry) for entry in row))
    return p, tuple(mask)


def check_mask_samples(check: Checker, layers, samples: int) -> None:
    """A mask of several rows has one per sample."""
    for index, layer in enumerate(layers, start=1):
        if layer.mask is not None and len(layer.mask) not in (1, samples):
            raise check.fail(f"layers[{index}].mask", f"expected one row for every sample or {samples} rows "
                             f"(one per sample, as input.values), got {len(layer.mask)}")
