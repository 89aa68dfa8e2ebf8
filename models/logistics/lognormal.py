"""The delivery-time model shared by train.py (demo world) and eval.py (real orders).

A small MLP predicts the two parameters of a log-normal distribution of the delivery time in days
(`log T ~ Normal(mu, sigma)`), trained by negative log-likelihood. Every quantile is then one formula,
`exp(mu + sigma * z_p)`, so P50, P90, earliest/latest dates and P(arrive by a given date) all come from one
consistent distribution, and the quantiles can never cross (a separate pinball head per quantile can).

Calibration (split conformal on a held-back calibration slice): the standardised residuals
`z = (log t - mu) / sigma` are collected on the calibration rows; the 50 % quantile of z (shift) and the
finite-sample-corrected 90 % quantile (for a coverage guarantee of at least 0.90 on exchangeable data) are
baked into the exported graph as `mu' = mu + sigma * shift`, `sigma' = sigma * (q90 - shift) / 1.2816`.
The served P50 and P90 are therefore the calibrated ones; other quantiles use the same rescaled sigma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch
from torch import nn

from common.fit import fit_with_early_stopping

Z90 = 1.2815515655446004
Z10 = -Z90


class LogNormalNet(nn.Module):
    """features [batch, F] -> (mu [batch, 1], sigma [batch, 1]) of log delivery days, calibrated."""

    def __init__(self, n_features: int, mean: np.ndarray, std: np.ndarray, hidden: int = 64) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(np.where(std > 1e-6, std, 1.0), dtype=torch.float32))
        self.body = nn.Sequential(
            nn.Linear(n_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, 2)
        self.register_buffer("shift", torch.zeros(1))
        self.register_buffer("scale", torch.ones(1))

    def raw(self, x: torch.Tensor):
        h = self.body((x - self.mean) / self.std)
        out = self.head(h)
        mu = out[:, 0:1]
        sigma = nn.functional.softplus(out[:, 1:2]) + 0.02
        return mu, sigma

    def forward(self, x: torch.Tensor):
        mu, sigma = self.raw(x)
        return mu + sigma * self.shift, sigma * self.scale


def nll(mu: torch.Tensor, sigma: torch.Tensor, log_y: torch.Tensor) -> torch.Tensor:
    return (torch.log(sigma) + 0.5 * ((log_y - mu) / sigma) ** 2).mean()


def fit(
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    epochs: int = 40,
    hidden: int = 64,
    lr: float = 3e-3,
    batch: int = 512,
    weight_decay: float = 1e-5,
    patience: int = 6,
    seed: int = 7,
    on_epoch=None,
) -> LogNormalNet:
    """Fits by NLL with Adam and early stopping on the validation NLL (best weights kept)."""
    rng = np.random.default_rng(seed)
    model = LogNormalNet(x.shape[1], x.mean(0), x.std(0), hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(np.log(np.maximum(y, 0.05)), dtype=torch.float32)[:, None]
    xv = torch.tensor(x_val, dtype=torch.float32)
    yv = torch.tensor(np.log(np.maximum(y_val, 0.05)), dtype=torch.float32)[:, None]
    fit_with_early_stopping(
        model,
        opt,
        len(xt),
        batch,
        epochs,
        rng,
        lambda idx: nll(*model.raw(xt[idx]), yt[idx]),
        lambda: nll(*model.raw(xv), yv).item(),
        patience=patience,
        on_epoch=None if on_epoch is None else lambda epoch, train, val, _: on_epoch(epoch, epochs, train, val),
    )
    return model


def calibrate(model: LogNormalNet, x_cal: np.ndarray, y_cal: np.ndarray, level: float = 0.9) -> Dict[str, float]:
    """Split-conformal shift/scale from the calibration rows; stored in the model's buffers."""
    with torch.no_grad():
        mu, sigma = model.raw(torch.tensor(x_cal, dtype=torch.float32))
    z = (np.log(np.maximum(y_cal, 0.05)) - mu.numpy()[:, 0]) / sigma.numpy()[:, 0]
    n = len(z)
    q_level = min(1.0, math.ceil((n + 1) * level) / n)
    shift = float(np.quantile(z, 0.5))
    upper = float(np.quantile(z, q_level, method="higher"))
    scale = max(0.05, (upper - shift) / Z90)
    model.shift.fill_(shift)
    model.scale.fill_(scale)
    return {"calibration_rows": float(n), "conformal_shift": shift, "conformal_scale": scale}


def predict(model: LogNormalNet, x: np.ndarray, calibrated: bool = True):
    model.eval()
    with torch.no_grad():
        xt = torch.tensor(x, dtype=torch.float32)
        mu, sigma = model(xt) if calibrated else model.raw(xt)
    return mu.numpy()[:, 0], sigma.numpy()[:, 0]


def quantile(mu: np.ndarray, sigma: np.ndarray, z: float) -> np.ndarray:
    return np.exp(mu + sigma * z)


def cdf(mu: np.ndarray, sigma: np.ndarray, days: np.ndarray) -> np.ndarray:
    """P(T <= days) under the log-normal."""
    from math import erf, sqrt

    zs = (np.log(np.maximum(days, 1e-6)) - mu) / sigma
    return np.array([0.5 * (1 + erf(v / sqrt(2))) for v in zs])


def end_of_day_after(order_hour: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Days from the order to the end of the calendar day on which `days` after the order falls."""
    start = order_hour / 24.0
    return np.floor(start + days) + 1.0 - start


@dataclass
class Scores:
    p50_mae: float
    p90_coverage: float
    p50_coverage: float
    interval80_coverage: float
    mean_p90_width: float
    promise_late_rate: Optional[float] = None

    def as_dict(self, prefix: str) -> Dict[str, float]:
        out = {
            f"{prefix}p50_abs_error_days": self.p50_mae,
            f"{prefix}p90_coverage": self.p90_coverage,
            f"{prefix}p50_coverage": self.p50_coverage,
            f"{prefix}p10_p90_coverage": self.interval80_coverage,
            f"{prefix}mean_p90_days": self.mean_p90_width,
        }
        if self.promise_late_rate is not None:
            out[f"{prefix}promise_late_rate"] = self.promise_late_rate
        return out


def score(y: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray, promise: Optional[np.ndarray] = None) -> Scores:
    return Scores(
        p50_mae=float(np.mean(np.abs(y - p50))),
        p90_coverage=float(np.mean(y <= p90)),
        p50_coverage=float(np.mean(y <= p50)),
        interval80_coverage=float(np.mean((y >= p10) & (y <= p90))),
        mean_p90_width=float(np.mean(p90)),
        promise_late_rate=None if promise is None else float(np.mean(y > promise)),
    )
