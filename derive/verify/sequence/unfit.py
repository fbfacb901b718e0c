"""Why a sequence claim is not checked: raised wherever a formula stops reading."""


class Unfit(Exception):
    """The formula names something the world does not hold, or its shapes do not fit: not checked."""
