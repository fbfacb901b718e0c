"""Built-in networks, shipped as TOML files beside this module."""

from __future__ import annotations

import tomllib
from importlib import resources

from ...errors import PresetError
from ..checks import shown
from ..load import NetworkSpec, load_text
from ..tensor import TensorSpec, is_tensor_spec


def names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))


def typed_names() -> list[str]:
    """The presets of typed layers (conv2d, pooling, normalization), written by the tensor documents."""
    return [name for name in names() if is_tensor_spec(tomllib.loads(_text(name)))]


def dense_names() -> list[str]:
    """The presets of dense layers, which every notation (neuron, index, layer) writes."""
    typed = set(typed_names())
    return [name for name in names() if name not in typed]


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def load(name: str) -> NetworkSpec | TensorSpec:
    known = names()
    if name not in known:
        raise PresetError(f"unknown preset {shown(name)} (known presets: {', '.join(known)})")
    return load_text(_text(name), source=f"preset {name}")
