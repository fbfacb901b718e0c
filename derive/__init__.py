"""derive: step-by-step backpropagation derivations, computed symbolically and checked numerically.

    >>> import derive
    >>> result = derive.derive(derive.load("mazur"))
    >>> print(result.render("markdown"))
"""

from importlib import import_module

__version__ = "0.1.0"

# The public names load on first use (PEP 562): `import derive.cli` stays light, so the command
# line's main() is running, and catches Ctrl-C, while SymPy and NumPy load.
_PUBLIC = {
    "Result": "api", "code": "api", "derive": "api", "load": "api", "render": "api",
    "DeriveError": "errors", "PresetError": "errors", "SpecError": "errors",
    "preset_names": "spec.presets", "dense_preset_names": "spec.presets", "typed_preset_names": "spec.presets",
    "post_spec": "verify.front_matter", "TensorResult": "api", "TensorSpec": "spec.tensor",
    "LayerSpec": "spec.load", "LossSpec": "spec.load", "NetworkSpec": "spec.load", "TrainingSpec": "spec.load",
    "from_dict": "spec.load", "load_text": "spec.load",
}
_RENAMED = {"preset_names": "names", "dense_preset_names": "dense_names", "typed_preset_names": "typed_names"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    value = getattr(import_module(f".{_PUBLIC[name]}", __name__), _RENAMED.get(name, name))
    globals()[name] = value          # found once; later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
