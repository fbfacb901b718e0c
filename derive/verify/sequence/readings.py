"""The evaluator's reading of the world (mixed into evaluate.Evaluator): a key's value at a step, under the
convention's choice among its readings, scaled for a loss summed over the steps, turned for vectors written
as rows; a step's own loss's gradients; W_f over [h; x] as the two blocks side by side."""

from __future__ import annotations

import numpy as np

from .jacobians import WITHIN_STEP, from_state, total_jacobian
from .names import OWN_TERM, spoken
from .quantities import STACK_ORDERS, World
from .split_state import FAMILY as CELL_GRADIENT, NEXT_FAMILY, NEXT_OPTIONS, OPTIONS as CELL_OPTIONS
from .unfit import AfterTheLast, Unfit

STACKS = ("W:stack", "U:stack", "b:stack", "net:stack")


# a GRU's update gate as PyTorch's (h = (1 - z) n + z h'), or as the posts that give z to the candidate
# (h = (1 - z) h' + z h̃): that z is 1 - PyTorch's, its net input, weights and biases the negatives
UPDATE_GATE = ("z", "net:z", "W:z", "U:z", "b:z", "b':z")


class WorldReadings:
    world: World

    def _world(self, key: str) -> np.ndarray:
        if key.startswith("new:"):
            return self._updated(key[4:])
        if key.endswith("~"):
            return self._step_loss(key[:-1])
        total = key.endswith("!") and self.post.through_time and not self.post.about_one_step()
        # ∂L/∂W: every step's term, in a post over time (above where it goes through time: either)
        own = key.endswith(OWN_TERM)                              # ∂L/∂W^{(t)}: step t's term alone
        key, step = self._step(key.rstrip("!" + OWN_TERM))
        if key.removeprefix("d:") in STACKS:           # the four gates stacked: in which order
            order = self.pick("gate order", STACK_ORDERS)
            key = key if order == STACK_ORDERS[0] else f"{key}/{order}"
        gradient = key.startswith("d:")
        bare = key[2:] if gradient else key
        if "|" in bare:                                 # W_f over [h; x] or [x; h]: the two blocks side by side
            return self._joined(bare, lambda block: self._world(("d:" if gradient else "") + block +
                                                                ("!" if total else "")))
        self.read.add(key)
        found = self._readings(key, step)
        if total:
            found = found[-1:]
        elif (self.step_term or own) and gradient and len(found) > 1:
            found = found[:1]
        value = found[self.pick(f"reading:{key}", tuple(range(len(found))))] if len(found) > 1 else found[0]
        if self.world.kind == "gru" and bare.split("@")[0] in UPDATE_GATE and \
                self.pick("update gate", ("keeps the state", "takes the candidate")) == "takes the candidate":
            value = 1.0 - value if bare == "z" and not gradient else -value      # z' = 1 - z = σ(-net_z)
        return self._finished(bare, value, gradient)

    def value_of(self, key: str) -> np.ndarray:
        """A key's value, as the convention reads it."""
        return self._world(key)

    def _updated(self, key: str) -> np.ndarray:
        """W⁺ = W - η ∂L/∂W: a weight after one step of plain gradient descent on the whole loss (every
        step's term), η the spec's learning rate."""
        if "|" in key:                                  # W_f over [h; x]: each block updated, side by side
            return self._joined(key, self._updated)
        rate = self.world.sizes.get("lr")
        readings = self.world.lookup("d:" + key)
        if rate is None or not readings:
            raise Unfit(f"{spoken(key)} after an update")
        self.read.add("new:" + key)
        return self._world(key) - rate * self._finished(key, readings[-1], True)

    def _joined(self, bare: str, value_of) -> np.ndarray:
        """W_f over [h; x] or [x; h] (bare "W:f|hx"): the blocks U_f and W_f, each `value_of` its key, side by
        side ([x_t h_{t-1}] W: stacked, where the post writes rows)."""
        weights, order = bare.split("|")
        gate = weights.split(":")[1]
        blocks = [value_of(f"U:{gate}" if side == "h" else f"W:{gate}") for side in order]
        rows = self.world.kind != "attention" and self.pick("layout", ("columns", "rows")) == "rows"
        return np.vstack(blocks) if rows else np.hstack(blocks)

    def _finished(self, bare: str, value: np.ndarray, gradient: bool) -> np.ndarray:
        if (gradient or bare == "loss:all") and self.world.step_losses:
            own = "mean" if self.world.steps_mean else "sum"
            if self.pick("loss", (own, "sum" if own == "mean" else "mean")) != own:
                # L = Σ_t L_t where derive's is their mean, or their mean where derive's is their sum
                value = value * self.world.sizes["T"] if own == "mean" else value / self.world.sizes["T"]
        return self._oriented(bare, value)

    def _step_loss(self, key: str) -> np.ndarray:
        """The gradient of the step's own term of the loss: its read-out's (the logits', ŷ's, this step's
        term of V and b_y), and the state's term from the read-out alone (all of dh but what later steps send)."""
        key, step = self._step(key)
        if step != self.world.at:                       # ∂J_3/∂p_3: step 3's own loss, at step 3
            if step >= len(self.world.steps):
                raise AfterTheLast("a step's loss after the last step")
            if step < 0:
                raise Unfit("a step outside the sequence")
            held, self.world.at = self.world.at, step
            try:
                return self._step_loss(key)
            finally:
                self.world.at = held
        world = self.world
        if "|" in key:                                  # W_f over [h; x]: each block's term, side by side
            return self._joined(key[2:], lambda block: self._step_loss("d:" + block))
        if key in ("d:logit", "d:yhat", "d:V:", "d:b:y"):
            own = world.lookup(key)[0]                  # V's and b_y's: this step's term, their first reading
        elif key == "d:h" and world.lookup("d:logit"):
            own = world.lookup("d:h")[0] - world.lookup("d:h>")[0]
        elif key[2:] in world.values and key[2:4] in ("W:", "U:", "b:") and world.kind in ("rnn", "lstm") and \
                world.lookup("d:logit"):
            # a shared weight's gradient from this step's loss: through h_t and every earlier step (the chain through
            # step t alone is BPTT's truncation, a slip where the post does not say it holds h_{t-1} fixed)
            through = total_jacobian(world, "h", key[2:], self._raw)
            if through is None:
                raise Unfit(f"{spoken(key)} of one step's loss")
            own_h = world.lookup("d:h")[0] - world.lookup("d:h>")[0]
            own = np.tensordot(own_h.ravel(), through, axes=1).reshape(world.lookup(key[2:])[0].shape)
        elif key[2:] in WITHIN_STEP.get(world.kind, {}) and world.lookup("d:logit"):
            # ∂L_t/∂c_t, ∂L_t/∂o_t: step t's loss reads them through h_t alone, the later steps' terms left out
            own_h = world.lookup("d:h")[0] - world.lookup("d:h>")[0]
            through = from_state(world, key[2:], self._raw)
            own = (own_h.ravel() @ through).reshape(world.lookup(key[2:])[0].shape)
        else:
            raise Unfit(f"{spoken(key)} of one step's loss")
        self.read.add(key)
        # one step's loss itself: where derive's loss is the steps' mean (the cross-entropy's), its gradients carry 1/T
        return self._oriented(key[2:], own * world.sizes["T"] if world.steps_mean else own)

    def _step(self, key: str) -> tuple[str, int]:
        """h@-1 -> (h, the step before the one in view); h#3 -> (h, step 3 as the post counts)."""
        at = self.world.at
        if "@" in key:
            key, offset = key.rsplit("@", 1)
            return key, at + int(offset)
        if "#" in key:
            key, number = key.rsplit("#", 1)
            return key, int(number) - self.pick("first step", (1, 0))
        return key, at

    def _readings(self, key: str, step: int) -> list[np.ndarray]:
        world = self.world
        if world.steps and step >= len(world.steps):
            raise Unfit(f"step {step + 1} of {len(world.steps)}")
        if world.steps and step < 0:                    # before the first step: h_0 = c_0 = 0
            if key.startswith("d:"):                    # though the loss still depends on them
                raise Unfit(f"{spoken(key)} before the first step")
            found = world.lookup(key, 0)
            if not found:
                raise Unfit(f"{spoken(key)} is not in this network")
            return [np.zeros_like(found[0])]
        found = list(world.lookup(key, step) or [])
        if key in ("d:h", "d:c") and step == world.at - 1:    # dh_{t-1}: this step's term into it, or all of it
            found = list(world.lookup(key + "<", world.at) or []) + found
        if key == "d:c" and step == world.at and self.pick(CELL_GRADIENT, CELL_OPTIONS) == "parts" and found:
            # ∂J/∂c^t + the path through a^t: a part of the gradient, first the later steps' (as ∂J/∂c^{t-1}'s
            # first reading is what step t sends back: one reading of d:c serves both)
            later = world.lookup("d:c>", step)[0]
            found = [later] + found + [found[0] - later]
        if key == "d:h" and step == world.at + 1 and self.pick(NEXT_FAMILY, NEXT_OPTIONS) == "sent back":
            # dh_{t+1} for code's dh_next: what the later steps send back to h_t, or step t to h_{t-1}
            found = list(world.lookup("d:h>", world.at) or []) + list(world.lookup("d:h<", world.at) or [])
        if key in ("d:h>", "d:c>"):             # dh_next, after the step: what it carries back to the step before
            found = found + list(world.lookup(key[:-1] + "<", world.at) or [])
        if not found and key.removeprefix("d:").startswith("own:"):
            raise Unfit(f"{key.split(':')[-1]}, the post's own name for a projection's weight")
        if not found:
            raise Unfit(f"{spoken(key)} is not in this network")
        return found

    def _oriented(self, bare: str, value: np.ndarray) -> np.ndarray:
        """Transposed where the convention writes rows (x W), not columns (W x)."""
        if value.ndim == 2 and self.world.kind != "attention" and self.pick("layout", ("columns", "rows")) == "rows":
            value = value.T
        if self.world.kind == "attention" and bare.startswith("W:"):
            value = value.T if self.pick("weights", ("right", "left")) == "right" else value    # X W_q, or W_q x
        return value
