"""Properties of a learner's outputs that several chapters' catalogues use to name a mistake."""

from __future__ import annotations

from typing import Callable

import numpy as np

from rlcourse.i18n import _

from .engine import as_array, is_tensor


def usable_as_label(value) -> bool | str:
    """Whether a target can serve as the label of a loss that trains something (what a learner does next)."""
    import torch
    import torch.nn.functional as F

    if not is_tensor(value) or not value.dtype.is_floating_point:
        return _("not a float tensor")
    prediction = torch.zeros(value.shape, dtype=value.dtype, requires_grad=True)
    try:
        F.mse_loss(prediction, value).backward()
    except RuntimeError:
        return False
    return True


def _rows_wrong(have, want, cases, name="output") -> tuple[np.ndarray, np.ndarray] | None:
    """Per case, which rows of a (batch,) output are wrong, and the cases' terminated masks."""
    wrong, terminal = [], []
    for h, w, c in zip(have, want, cases):
        if not is_tensor(h[name]) or tuple(h[name].shape) != tuple(w[name].shape):
            return None
        wrong.append(~np.isclose(as_array(h[name]), as_array(w[name]), atol=1e-5, rtol=1e-5))
        terminal.append(as_array(c["terminated"]) > 0.5)
    return np.concatenate(wrong), np.concatenate(terminal)


def only_terminated_rows_wrong(have, want, cases) -> bool:
    """Some rows are wrong, and every wrong row is a terminated transition's."""
    rows = _rows_wrong(have, want, cases)
    return rows is not None and rows[0].any() and not (rows[0] & ~rows[1]).any()


def output_shape(test: Callable[[tuple, dict], bool], name: str = "output") -> Callable:
    return lambda have, want, cases: any(is_tensor(h[name]) and test(tuple(h[name].shape), c)
                                         for h, c in zip(have, cases))
