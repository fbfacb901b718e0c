"""Built-in networks, shipped as TOML files beside this module."""

from __future__ import annotations

from importlib import resources

from ...errors import PresetError
from ..checks import shown
from ..load import NetworkSpec, load_text


def names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))


def load(name: str) -> NetworkSpec:
    known = names()
    if name not in known:
        raise PresetError(f"unknown preset {shown(name)} (known presets: {', '.join(known)})")
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return load_text(text, source=f"preset {name}")
