"""Why a sequence claim is not checked: raised wherever a formula stops reading."""


class Unfit(Exception):
    """The formula names something the world does not hold, or its shapes do not fit: not checked."""


class Misfit(Unfit):
    """Every name read, and two of them are combined though their shapes do not fit ((K×1)(H×1)): where
    this stops every reading, the formula is wrong, not unread."""
