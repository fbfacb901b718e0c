"""Why a sequence claim is not checked: raised wherever a formula stops reading."""


class Unfit(Exception):
    """The formula names something the world does not hold, or its shapes do not fit: not checked."""


class Misfit(Unfit):
    """Every name read, and two of them are combined though their shapes do not fit ((K×1)(H×1)): where
    this stops every reading, the formula is wrong, not unread."""
    lead = "its shapes do not fit under any reading: "


class AfterTheLast(Unfit):
    """A step's loss after the last step (L_{T+1}): none exists, unlike a gradient a post may set to 0 there."""


class PastTheLast(Misfit):
    """Σ_{t=1}^{T} whose term reads step t + 1's loss: at t = T it reads one after the last, under any reading."""
    lead = "under every reading, "
