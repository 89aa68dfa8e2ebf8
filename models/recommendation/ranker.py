"""The demo world's ESMM ranker (rec-ranker), trained by train.py after the sequence model.

Shared attribute embeddings (8-d) and a shared bottom (12 dense + 24 -> 64 -> 32), a click tower and a
conversion tower; p(click and purchase | view) = p(click | view) * p(purchase | click), trained on every view (BCE
on click + BCE on click-and-purchase), so the conversion tower learns from the whole impression space.
Labels: a view is clicked / purchased when the same session clicks / buys the item. Held out: the last 15 days.
Features: features.py (mirrored by subgraphs/recommendation/src/features.ts). Only the demo world has
impressions (views with the catalogue's category, brand and price), so real logs train no ranker.
"""

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from common import InputSpec, Timer, export_onnx, log, progress
from features import RANKER_FEATURES, SESSION_GAP_MS, UserState, ranker_vector

RANKER_EMB = 8


class Esmm(nn.Module):
    def __init__(self, n_dense: int, n_attrs: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(n_attrs, RANKER_EMB)
        self.bottom = nn.Sequential(nn.Linear(n_dense + 3 * RANKER_EMB, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.ctr = nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))
        self.cvr = nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, dense: torch.Tensor, cat_ids: torch.Tensor):
        x = torch.cat([dense, self.emb(cat_ids).reshape(cat_ids.shape[0], -1)], dim=1)
        h = self.bottom(x)
        ctr_logit = self.ctr(h)
        cvr_logit = self.cvr(h)
        p_ctr = torch.sigmoid(ctr_logit)
        return ctr_logit, cvr_logit, p_ctr, p_ctr * torch.sigmoid(cvr_logit)


def sessions_of(rows):
    """Splits one user's time-ordered (type, item, at, device) rows at gaps over 30 minutes."""
    out, current, last_at = [], [], None
    for row in rows:
        if last_at is not None and row[2] - last_at > SESSION_GAP_MS:
            out.append(current)
            current = []
        current.append(row)
        last_at = row[2]
    if current:
        out.append(current)
    return out


def train_ranker(args, log_, space, models_dir, version: str) -> dict:
    items, events = log_.frames
    records = items.to_dict("records")
    by_id = {r["item_id"]: r for r in records}
    leaf_median = items.groupby("category_id")["price_minor"].median().to_dict()
    rng = np.random.default_rng(args.seed)
    cut = events["at"].max() - 15 * 86_400_000
    before = events[events["at"] < cut]
    counts = before.groupby(["item_id", "type"]).size().unstack(fill_value=0)
    stats = {}
    for item, row in counts.iterrows():
        v, c, p = int(row.get("view", 0)), int(row.get("click", 0)), int(row.get("purchase", 0))
        stats[item] = (v, c, p, int(row.sum()))
    dense, cats, clicks, buys, is_test_row = [], [], [], [], []
    for _user, group in events.groupby("user_id", sort=False):
        state = UserState()
        for session in sessions_of(list(zip(group["type"], group["item_id"], group["at"], group["device"]))):
            clicked = {r[1] for r in session if r[0] == "click"}
            bought = {r[1] for r in session if r[0] == "purchase"}
            mobile = session[0][3] != "web"
            for r in session:
                if r[0] != "view":
                    continue
                item = by_id[r[1]]
                dense.append(ranker_vector(state, item, stats.get(r[1], (0, 0, 0, 0)), leaf_median[item["category_id"]], mobile))
                cats.append(space.attrs[space.row[r[1]]][[0, 2, 4]].tolist())
                clicks.append(1.0 if r[1] in clicked else 0.0)
                buys.append(1.0 if r[1] in bought else 0.0)
                is_test_row.append(session[0][2] >= cut)
            for r in session:
                state.add(r[0], by_id[r[1]])
    dense_t = torch.tensor(dense, dtype=torch.float32)
    cats_t = torch.tensor(cats, dtype=torch.long)
    click_t = torch.tensor(clicks).unsqueeze(1)
    buy_t = torch.tensor(buys).unsqueeze(1)
    test_mask = np.array(is_test_row)
    train_idx, test_idx = np.where(~test_mask)[0], np.where(test_mask)[0]
    log(f"ranker: {len(train_idx)} training views, {len(test_idx)} held-out views (last 15 days); click rate {np.mean(clicks):.3f}, purchase rate {np.mean(buys):.3f}")
    n_attrs = len(space.attr_names) + 1
    ranker = Esmm(len(RANKER_FEATURES), n_attrs)
    optimiser = torch.optim.Adam(ranker.parameters(), lr=0.003)
    bce = nn.BCELoss()
    with Timer("ranker training"):
        for epoch in range(1, args.ranker_epochs + 1):
            ranker.train()
            order = torch.from_numpy(rng.permutation(train_idx))
            total = 0.0
            for start in range(0, len(order), 1024):
                b = order[start : start + 1024]
                _, _, p_ctr, p_ctcvr = ranker(dense_t[b], cats_t[b])
                loss = bce(p_ctr.clamp(1e-6, 1 - 1e-6), click_t[b]) + bce(p_ctcvr.clamp(1e-6, 1 - 1e-6), buy_t[b])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += loss.item() * len(b)
            progress(epoch, args.ranker_epochs, loss=total / len(train_idx))
    ranker.eval()
    with torch.no_grad():
        _, _, p_ctr, p_ctcvr = ranker(dense_t[test_idx], cats_t[test_idx])
    y_click, y_buy = click_t[test_idx].numpy().ravel(), buy_t[test_idx].numpy().ravel()
    ctr_auc = roc_auc_score(y_click, p_ctr.numpy().ravel())
    ctcvr_auc = roc_auc_score(y_buy, p_ctcvr.numpy().ravel())
    item_ctr = dense_t[test_idx][:, RANKER_FEATURES.index("i_ctr")].numpy()
    base_ctr_auc = roc_auc_score(y_click, item_ctr)
    base_ctcvr_auc = roc_auc_score(y_buy, item_ctr * dense_t[test_idx][:, RANKER_FEATURES.index("i_cvr")].numpy())
    log(f"ranker held-out AUC click {ctr_auc:.4f} (item CTR alone {base_ctr_auc:.4f}), purchase {ctcvr_auc:.4f} (item CTR*CVR alone {base_ctcvr_auc:.4f})")
    metrics = {
        "ranker_click_auc": ctr_auc,
        "ranker_purchase_auc": ctcvr_auc,
        "baseline_click_auc": base_ctr_auc,
        "baseline_purchase_auc": base_ctcvr_auc,
    }
    n_ex = 8
    export_onnx(
        ranker,
        [
            InputSpec("dense", dense_t[test_idx[:n_ex]], features=RANKER_FEATURES),
            InputSpec("cat_ids", cats_t[test_idx[:n_ex]], vocabulary_size=n_attrs),
        ],
        ["ctr_logit", "cvr_logit", "p_ctr", "p_ctcvr"],
        models_dir / "rec-ranker",
        "rec-ranker",
        version,
        description="ESMM ranker: 12 dense user/item/cross/context features + (category, brand, price band) -> p(click), p(click and purchase).",
        metrics=metrics,
    )
    return {**metrics, "features": RANKER_FEATURES}
