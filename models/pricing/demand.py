"""The pricing demand model trained by train.py (the demo world, or a transactions table through import-data.ts).

A log-log demand model with a learned elasticity:

    log q = a_product + f(category, drivers) + e(category, product, drivers) * log(price / reference price)
    e = -(softplus(g(category embedding, product embedding, drivers)) + 0.05)       (always < 0)

Trained with a Poisson log-likelihood on daily units. Product id 0 is "unknown product": during training
10 % of rows see id 0, so the model also learns a category-level answer for products it has never seen.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

# Dense demand drivers, in input order. Their definitions are the contract with the pricing subgraph
# (subgraphs/pricing/src/demand.features.ts computes the same values at serving time).
DRIVERS = [
    "season_sin1",  # sin(2π · day of year / 365)
    "season_cos1",  # cos(2π · day of year / 365)
    "season_sin2",  # sin(4π · day of year / 365)
    "season_cos2",  # cos(4π · day of year / 365)
    "weekend_share",  # 1 on Saturday/Sunday, 0 otherwise; 2/7 when pricing for a whole week
    "log_stock_cover",  # log((stock + 1) / (regular_per_day_28 + 0.1)), clipped to [-2, 7]
    "log_recent_demand",  # log(regular_per_day_28 + 0.1)
    "recent_trend",  # log(regular_per_day_7 + 0.1) - log(regular_per_day_28 + 0.1)
]
# regular_per_day_N: mean units per day over the previous N days counting only days at a regular price
# (at least REGULAR_PRICE_RATIO of the list price), or over all of them when none was regular. Promotion days
# are left out so that "recent demand" does not carry the lift of a promotion (which would let the model
# explain a discount's effect by the demand it already caused, and shrink the elasticity towards 0).
REGULAR_PRICE_RATIO = 0.9


def season_features(day_of_year: np.ndarray) -> np.ndarray:
    angle = 2 * math.pi * day_of_year.astype(np.float64) / 365.0
    return np.stack([np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)], axis=1)


def driver_matrix(
    day_of_year: np.ndarray,
    weekend: np.ndarray,
    stock: np.ndarray | None,
    per_day_7: np.ndarray,
    per_day_28: np.ndarray,
) -> np.ndarray:
    """The DRIVERS columns. `stock=None` (no stock data) gives a neutral cover of 30 days."""
    recent = np.log(per_day_28 + 0.1)
    if stock is None:
        cover = np.full_like(recent, math.log(30.0))
    else:
        cover = np.clip(np.log((stock + 1.0) / (per_day_28 + 0.1)), -2.0, 7.0)
    trend = np.log(per_day_7 + 0.1) - recent
    return np.concatenate(
        [season_features(day_of_year), weekend[:, None], cover[:, None], recent[:, None], trend[:, None]],
        axis=1,
    ).astype(np.float32)


def lagged_means(units: np.ndarray, group_start: np.ndarray, window: int, mask: np.ndarray | None = None) -> np.ndarray:
    """
    Mean of the previous `window` values within each group (rows sorted by group, then time), 0 at a group's
    start. With `mask`, only masked rows count, falling back to all rows of the window when none is masked.
    """
    n = len(units)
    idx = np.arange(n)
    lo = np.maximum(idx - window, group_start)

    def window_sum(values: np.ndarray) -> np.ndarray:
        csum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
        return csum[idx] - csum[lo]

    count = (idx - lo).astype(np.float64)
    mean_all = np.where(count > 0, window_sum(units) / np.maximum(count, 1), 0.0)
    if mask is None:
        return mean_all
    kept = window_sum(mask.astype(np.float64))
    mean_kept = window_sum(np.where(mask, units, 0.0)) / np.maximum(kept, 1)
    return np.where(kept > 0, mean_kept, mean_all)


class DemandModel(nn.Module):
    def __init__(self, n_products: int, n_categories: int, n_drivers: int = len(DRIVERS), dim: int = 8):
        super().__init__()
        # Base demand: product and category embeddings plus the drivers.
        self.product_embedding = nn.Embedding(n_products, dim)
        self.category_embedding = nn.Embedding(n_categories, dim)
        self.product_bias = nn.Embedding(n_products, 1)
        nn.init.normal_(self.product_embedding.weight, std=0.01)
        nn.init.normal_(self.category_embedding.weight, std=0.1)
        nn.init.zeros_(self.product_bias.weight)
        self.base_net = nn.Sequential(nn.Linear(2 * dim + n_drivers, 32), nn.ReLU(), nn.Linear(32, 1))
        # Elasticity: a category level, a product deviation from it (shrunk towards 0 by an L2 penalty) and a
        # small linear response to the drivers (e.g. more price-sensitive in season).
        self.category_elasticity = nn.Embedding(n_categories, 1)
        self.product_elasticity = nn.Embedding(n_products, 1)
        self.elasticity_drivers = nn.Linear(n_drivers, 1, bias=False)
        nn.init.constant_(self.category_elasticity.weight, 1.2)  # softplus(1.2) + 0.05 ≈ 1.5
        nn.init.zeros_(self.product_elasticity.weight)
        nn.init.zeros_(self.elasticity_drivers.weight)

    def forward(self, product: torch.Tensor, category: torch.Tensor, log_price_ratio: torch.Tensor, drivers: torch.Tensor):
        p = self.product_embedding(product)
        c = self.category_embedding(category)
        raw = (
            self.category_elasticity(category).squeeze(1)
            + self.product_elasticity(product).squeeze(1)
            + self.elasticity_drivers(drivers).squeeze(1)
        )
        elasticity = -(nn.functional.softplus(raw) + 0.05)
        base = self.base_net(torch.cat([c, p, drivers], dim=1)).squeeze(1) + self.product_bias(product).squeeze(1)
        log_demand = base + elasticity * log_price_ratio
        return elasticity, log_demand, torch.exp(log_demand)

    def penalty(self, product: torch.Tensor) -> torch.Tensor:
        """Shrinks product elasticities towards their category's (a hierarchical prior)."""
        return (self.product_elasticity(product) ** 2).mean()


def fit(
    model: DemandModel,
    product: np.ndarray,
    category: np.ndarray,
    log_price_ratio: np.ndarray,
    drivers: np.ndarray,
    units: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 8192,
    lr: float = 0.02,
    product_dropout: float = 0.1,
    shrinkage: float = 0.01,
    seed: int = 7,
    log=print,
) -> None:
    generator = torch.Generator().manual_seed(seed)
    tensors = [
        torch.as_tensor(product, dtype=torch.long),
        torch.as_tensor(category, dtype=torch.long),
        torch.as_tensor(log_price_ratio, dtype=torch.float32),
        torch.as_tensor(drivers, dtype=torch.float32),
        torch.as_tensor(units, dtype=torch.float32),
    ]
    n = len(units)
    # The price signal is weak next to the level of demand: the elasticity parameters learn 3× faster.
    elasticity_params = [
        model.category_elasticity.weight,
        model.product_elasticity.weight,
        model.elasticity_drivers.weight,
    ]
    chosen = {id(t) for t in elasticity_params}
    optimiser = torch.optim.Adam(
        [
            {"params": [t for t in model.parameters() if id(t) not in chosen], "lr": lr},
            {"params": elasticity_params, "lr": 3 * lr},
        ]
    )
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(1, epochs * math.ceil(n / batch_size)))
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            p, c, x, d, y = (t[idx] for t in tensors)
            if product_dropout > 0:
                drop = torch.rand(len(idx), generator=generator) < product_dropout
                p = torch.where(drop, torch.zeros_like(p), p)
            _, log_q, _ = model(p, c, x, d)
            loss = (torch.exp(log_q) - y * log_q).mean() + shrinkage * model.penalty(p)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            total += float(loss) * len(idx)
        log(f"epoch {epoch + 1}/{epochs}: poisson loss {total / n:.4f}")
    model.eval()


@torch.no_grad()
def predict(model: DemandModel, product, category, log_price_ratio, drivers, batch_size: int = 65536):
    out_e, out_q = [], []
    for start in range(0, len(product), batch_size):
        sl = slice(start, start + batch_size)
        e, log_q, _ = model(
            torch.as_tensor(product[sl], dtype=torch.long),
            torch.as_tensor(category[sl], dtype=torch.long),
            torch.as_tensor(log_price_ratio[sl], dtype=torch.float32),
            torch.as_tensor(drivers[sl], dtype=torch.float32),
        )
        out_e.append(e.numpy())
        out_q.append(torch.exp(log_q).numpy())
    return np.concatenate(out_e), np.concatenate(out_q)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.abs(actual - forecast).sum() / max(actual.sum(), 1e-9))


def mape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute percentage error over rows with a positive actual (zero days make MAPE undefined)."""
    positive = actual > 0
    return float(np.mean(np.abs(actual[positive] - forecast[positive]) / actual[positive]))
