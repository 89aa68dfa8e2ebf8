"""The daily demand forecaster trained by train.py (the demo market, or a transactions table through import-data.ts).

A small MLP over lag features (means of the last 7/28/91 days and of the last four same weekdays), horizon,
season, price and weekday predicts, per forecast day, a Poisson rate (trained by Poisson NLL: unbiased mean
units, the point forecast scored by WAPE) and an upper quantile (trained by the pinball loss at 0.9: the
"how bad could it get" figure safety stock is built from). Two designs: `direct` (the MLP gives the rate) and
`residual` (the MLP corrects a blend of the baseline levels by at most 4x either way); train.py chooses one on
an inner time split of its training rows.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from common.fit import fit_with_early_stopping

UPPER_Q = 0.9


class DemandNet(nn.Module):
    """features [batch, F] -> (rate [batch, 1], upper [batch, 1]) in units per day; upper >= rate."""

    def __init__(self, n_features: int, mean: np.ndarray, std: np.ndarray, hidden: int = 32) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(np.where(std > 1e-6, std, 1.0), dtype=torch.float32))
        self.body = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor):
        out = self.head(self.body((x - self.mean) / self.std))
        rate = torch.exp(out[:, 0:1].clamp(-10, 8))
        upper = rate + nn.functional.softplus(out[:, 1:2])
        return rate, upper


# The residual design's level features (log1p of means, in DEMAND_FEATURES order) and its largest correction.
LEVEL_COLUMNS = (0, 1, 2, 3)  # log_mean7, log_mean28, log_mean91, log_same_weekday4
MAX_CORRECTION = math.log(4.0)


class ResidualDemandNet(nn.Module):
    """The forecast as a correction of a baseline level, so it cannot stray far from the baselines it starts from.

    level = a learned convex blend of the 7/28/91-day means and the same-weekday mean (weights: softmax of 4
    parameters) + a learned floor; rate = level · exp(MAX_CORRECTION · tanh(h0)), i.e. between a quarter and 4×
    the level; upper = rate + softplus(h1). The head starts at 0: before training the model is the equal-weight
    blend of the baselines.
    """

    def __init__(self, n_features: int, mean: np.ndarray, std: np.ndarray, hidden: int = 32) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(np.where(std > 1e-6, std, 1.0), dtype=torch.float32))
        self.body = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 2)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.blend = nn.Parameter(torch.zeros(len(LEVEL_COLUMNS)))
        self.floor = nn.Parameter(torch.tensor(-3.0))

    def forward(self, x: torch.Tensor):
        levels = (torch.exp(x[:, list(LEVEL_COLUMNS)]) - 1).clamp(min=0)
        level = (levels * torch.softmax(self.blend, 0)).sum(1, keepdim=True) + nn.functional.softplus(self.floor)
        out = self.head(self.body((x - self.mean) / self.std))
        rate = level * torch.exp(MAX_CORRECTION * torch.tanh(out[:, 0:1]))
        upper = rate + nn.functional.softplus(out[:, 1:2])
        return rate, upper


DESIGNS = {"direct": DemandNet, "residual": ResidualDemandNet}


def loss_fn(rate, upper, y):
    poisson = (rate - y * torch.log(rate + 1e-8)).mean()
    diff = y - upper
    pinball = torch.maximum(UPPER_Q * diff, (UPPER_Q - 1) * diff).mean()
    return poisson + pinball


def fit(x, y, x_val, y_val, epochs=20, lr=3e-3, batch=1024, patience=4, seed=7, on_epoch=None, hidden=32, design="direct"):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = DESIGNS[design](x.shape[1], x.mean(0), x.std(0), hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)[:, None]
    xv, yv = torch.tensor(x_val, dtype=torch.float32), torch.tensor(y_val, dtype=torch.float32)[:, None]
    return fit_with_early_stopping(
        model,
        opt,
        len(xt),
        batch,
        epochs,
        rng,
        lambda idx: loss_fn(*model(xt[idx]), yt[idx]),
        lambda: loss_fn(*model(xv), yv).item(),
        patience=patience,
        on_epoch=None if on_epoch is None else lambda epoch, train, val, _: on_epoch(epoch, epochs, train, val),
    )


def predict(model, x):
    model.eval()
    with torch.no_grad():
        rate, upper = model(torch.tensor(x, dtype=torch.float32))
    return rate.numpy()[:, 0], upper.numpy()[:, 0]


def wape(y, forecast) -> float:
    total = float(np.sum(np.abs(y)))
    return float(np.sum(np.abs(y - forecast)) / total) if total > 0 else float("nan")
