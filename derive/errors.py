"""The errors derive reports to its users: one line, naming what is wrong."""


class DeriveError(Exception):
    """Base of every error derive reports to a user (exit code 2 from the CLI)."""


class SpecError(DeriveError):
    """A network spec is malformed: names the field and what was expected."""

    def __init__(self, field: str, message: str, source: str | None = None):
        self.field = field
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {message}" if field else f"{where}{message}")


class PresetError(DeriveError):
    """An unknown preset name."""


class OutputError(DeriveError):
    """Output could not be written."""
