"""A neural additive model (NAM): logit = bias + sum_i f_i(x_i), one small ReLU network per feature.

Why additive: every feature's contribution to the logit is exact and cheap, so the served model returns
per-feature contributions next to its probability and the subgraph turns the largest ones into reasons.
Standardisation and the centring of contributions are baked into the module, so the ONNX graph takes raw
features and returns contributions relative to the training population (0 = typical).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from common.fit import fit_with_early_stopping


class NeuralAdditiveModel(nn.Module):
    def __init__(self, mean: np.ndarray, std: np.ndarray, hidden: int = 32) -> None:
        super().__init__()
        n = len(mean)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(np.where(std > 1e-6, std, 1.0), dtype=torch.float32))
        # Per-feature first layer: unit j of feature i sees only x_i (a shape function per feature).
        self.w1 = nn.Parameter(torch.randn(n, hidden) * 1.0)
        self.b1 = nn.Parameter(torch.randn(n, hidden) * 0.5)
        self.w2 = nn.Parameter(torch.randn(n, hidden) * (1.0 / math.sqrt(hidden)) * 0.1)
        self.b2 = nn.Parameter(torch.zeros(n))
        self.bias = nn.Parameter(torch.zeros(1))
        # Mean contribution per feature over the training set; subtracted at export so that reasons are
        # relative to a typical payment. Zero while training.
        self.register_buffer("centre", torch.zeros(n))

    def contributions(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.mean) / self.std
        h = torch.relu(z.unsqueeze(-1) * self.w1 + self.b1)
        return (h * self.w2).sum(-1) + self.b2 - self.centre

    def forward(self, x: torch.Tensor):  # type: ignore[override]
        c = self.contributions(x)
        logit = c.sum(1, keepdim=True) + self.bias
        return torch.sigmoid(logit), logit, c

    @torch.no_grad()
    def centre_on(self, x: torch.Tensor) -> None:
        """Moves the mean contribution of each feature into the bias (the logit is unchanged)."""
        c = self.contributions(x).mean(0)
        self.centre += c
        self.bias += c.sum()


def fit(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    *,
    hidden: int = 32,
    epochs: int = 40,
    batch: int = 512,
    lr: float = 3e-3,
    weight_decay: float = 1e-5,
    seed: int = 7,
    unused: np.ndarray | None = None,
    log=print,
) -> NeuralAdditiveModel:
    """Adam on binary cross-entropy; keeps the epoch with the best validation PR-AUC (early stopping).

    `unused` (a boolean mask over the features) pins those features' shape functions at zero: a column the
    training data does not inform (e.g. constant in a real table that lacks it) then contributes exactly 0
    to every prediction, instead of an arbitrary extrapolation when serving sees other values.
    """
    from sklearn.metrics import average_precision_score

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mean, std = x_train.mean(0), x_train.std(0)
    model = NeuralAdditiveModel(mean, std, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    xt = torch.tensor(x_train, dtype=torch.float32)
    yt = torch.tensor(y_train, dtype=torch.float32).unsqueeze(1)
    xv = torch.tensor(x_valid, dtype=torch.float32)
    loss_fn = nn.BCEWithLogitsLoss()

    def batch_loss(idx: torch.Tensor) -> torch.Tensor:
        _, logit, c = model(xt[idx])
        # A small penalty on contributions keeps shape functions flat where data is thin.
        return loss_fn(logit, yt[idx]) + 1e-4 * (c**2).mean()

    def pin_unused() -> None:
        if unused is not None and unused.any():
            with torch.no_grad():
                model.w2[torch.from_numpy(unused)] = 0.0
                model.b2[torch.from_numpy(unused)] = 0.0

    def report(epoch: int, _train: float, ap: float, improved: bool) -> None:
        if epoch % 5 == 0 or improved:
            log(f"  epoch {epoch:2d} valid PR-AUC {ap:.4f}")

    fit_with_early_stopping(
        model,
        opt,
        len(xt),
        batch,
        epochs,
        rng,
        batch_loss,
        lambda: average_precision_score(y_valid, model(xv)[0].numpy().ravel()),
        patience=8,
        higher_is_better=True,
        first_epoch=0,
        after_step=pin_unused,
        on_epoch=report,
    )
    model.centre_on(xt)
    model.eval()
    return model


def predict(model: NeuralAdditiveModel, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor(x, dtype=torch.float32))[0].numpy().ravel()


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC, recall at precision >= 0.9 and recall (TPR) at a 1 % false-positive rate."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

    precision, recall, _ = precision_recall_curve(y, p)
    ok = precision >= 0.9
    fpr, tpr, _ = roc_curve(y, p)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "recall_at_precision_0_9": float(recall[ok].max()) if ok.any() else 0.0,
        "recall_at_fpr_0_01": float(tpr[fpr <= 0.01].max()),
    }
