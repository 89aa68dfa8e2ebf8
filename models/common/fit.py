"""One minibatch training loop with early stopping, for the trainers that fit a torch model by epochs."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch
from torch import nn


def fit_with_early_stopping(
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    rows: int,
    batch: int,
    epochs: int,
    rng: np.random.Generator,
    batch_loss: Callable[[torch.Tensor], torch.Tensor],
    valid_score: Callable[[], float],
    *,
    patience: int,
    higher_is_better: bool = False,
    min_delta: float = 1e-4,
    first_epoch: int = 1,
    after_step: Optional[Callable[[], None]] = None,
    on_epoch: Optional[Callable[[int, float, float, bool], None]] = None,
) -> nn.Module:
    """
    Trains `model` on `rows` rows in shuffled minibatches (`rng`'s permutation each epoch; `batch_loss` gets the
    batch's row indices as a tensor) and scores it with `valid_score` after each epoch, under `torch.no_grad`
    in eval mode. Stops after `patience` epochs without an improvement of at least `min_delta` and loads the
    best epoch's weights. `after_step` runs after each optimiser step (e.g. to pin parameters); `on_epoch` gets
    (epoch, mean training loss, validation score, improved). Epochs are numbered from `first_epoch`.
    """
    sign = 1.0 if higher_is_better else -1.0
    best_score = -np.inf
    best_state: Optional[dict[str, torch.Tensor]] = None
    stale = 0
    for epoch in range(first_epoch, first_epoch + epochs):
        model.train()
        order = rng.permutation(rows)
        total = 0.0
        for start in range(0, rows, batch):
            idx = torch.tensor(order[start : start + batch])
            optimiser.zero_grad()
            loss = batch_loss(idx)
            loss.backward()
            optimiser.step()
            if after_step is not None:
                after_step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            score = valid_score()
        improved = sign * score > best_score + min_delta
        if improved:
            best_score = sign * score
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            stale = 0
        else:
            stale += 1
        if on_epoch is not None:
            on_epoch(epoch, total / rows, score, improved)
        if stale >= patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model
