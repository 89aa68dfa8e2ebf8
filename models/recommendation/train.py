"""Trains the demo-world recommendation models and exports them for the recommendation subgraph.

    npm run train -- recommendation            (exports the demo world with export-data.ts first)
    /usr/bin/python3 models/recommendation/train.py --data <dir with items.csv, events.csv> --out models/recommendation

Three ONNX models, each in its own folder so the manifest lists them by name:
- models/rec-user-tower: the two-tower model's user tower (recent sequence + profile -> 32-d unit vector);
- models/rec-item-tower: its item tower (id, or 0 for a new item, + attributes -> 32-d unit vector);
- models/rec-ranker: an ESMM multi-task ranker (shared embeddings and bottom, a click tower and a conversion
  tower; p(purchase | view) = p(click | view) * p(purchase | click)) over user, item, cross and context features.
Plus models/recommendation/vocab.json (item and attribute vocabularies) and metrics.json (held-out figures).

Held out: the two-tower model is scored on each user's LAST session (first item viewed in it, given every
earlier event), full ranking over all items, against popularity. The ranker is scored on the last 15 days
(sessions after a time cut), AUC of click and of purchase, against the item's click rate alone.
"""

import argparse
import json
import math
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/, for `common`
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from torch import nn  # noqa: E402

from common import InputSpec, OutputSpec, Timer, export_onnx, log, progress, set_seed  # noqa: E402
from features import (  # noqa: E402
    MAX_LEN,
    PROFILE_FEATURES,
    RANKER_FEATURES,
    SESSION_GAP_MS,
    TYPE_IDS,
    UserState,
    item_attribute_names,
    profile_vector,
    ranker_vector,
)
from seqrec import (  # noqa: E402
    ItemTowerExport,
    TowerConfig,
    TwoTower,
    UserTowerExport,
    all_item_vectors,
    make_batch,
    train_two_tower,
    user_vectors,
)

VERSION = "1.0.0"
DIM = 32
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


def full_rank_metrics(user_vecs, item_vecs, targets, k=10):
    scores = (user_vecs @ item_vecs.T).numpy()
    scores[:, 0] = -np.inf
    true = scores[np.arange(len(targets)), targets]
    rank = (scores > true[:, None]).sum(1)
    hit = rank < k
    return float(hit.mean()), float(np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--negatives", type=int, default=1024)
    parser.add_argument("--ranker-epochs", dest="ranker_epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = set_seed(args.seed)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    out = Path(args.out)
    models_dir = out.parent

    items = pd.read_csv(os.path.join(args.data, "items.csv"))
    events = pd.read_csv(os.path.join(args.data, "events.csv"), dtype={"user_id": str, "item_id": str})
    events = events[events["type"] != "search"].sort_values(["user_id", "at"], kind="stable")
    item_ids = items["item_id"].tolist()
    index = {item: i + 1 for i, item in enumerate(item_ids)}
    records = items.to_dict("records")
    by_id = {r["item_id"]: r for r in records}
    attr_names = sorted({a for r in records for a in item_attribute_names(r)})
    attr_index = {a: i + 1 for i, a in enumerate(attr_names)}
    n_items, n_attrs = len(item_ids) + 1, len(attr_names) + 1
    item_attrs = np.zeros((n_items, 5), np.int64)
    for r in records:
        item_attrs[index[r["item_id"]]] = [attr_index[a] for a in item_attribute_names(r)]
    leaf_median = items.groupby("category_id")["price_minor"].median().to_dict()
    log(f"{len(item_ids)} items, {n_attrs - 1} attributes, {len(events)} events of {events['user_id'].nunique()} users")

    users = {}
    for user, group in events.groupby("user_id", sort=False):
        rows = list(zip(group["type"], group["item_id"], group["at"], group["device"]))
        users[user] = sessions_of(rows)

    # ---- two-tower: predict the items viewed in a session from every event before it ----
    def seq_of(rows):
        return [index[r[1]] for r in rows][-MAX_LEN:], [TYPE_IDS[r[0]] for r in rows][-MAX_LEN:]

    def profile(seq, types):
        return profile_vector(len(seq), sum(1 for t in types if t == TYPE_IDS["purchase"]))

    train_examples, test_seqs, test_types, test_profiles, test_targets = [], [], [], [], []
    for sessions in users.values():
        history = []
        for j, session in enumerate(sessions):
            is_test = j == len(sessions) - 1 and j > 0
            if history:
                s, t = seq_of(history)
                viewed = list(dict.fromkeys(index[r[1]] for r in session if r[0] == "view"))
                if is_test and viewed:
                    test_seqs.append(s)
                    test_types.append(t)
                    test_profiles.append(profile_vector(len(history), sum(1 for r in history if r[0] == "purchase")))
                    test_targets.append(viewed[0])
                elif not is_test:
                    for target in viewed[:3]:
                        train_examples.append((s, t, target))
            if not is_test:
                history.extend(session)
    profiles_by_seq = {}

    def profile_fn(seq, types):
        return profiles_by_seq.get(id(seq)) or profile(seq, types)

    log(f"two-tower: {len(train_examples)} training examples, {len(test_targets)} held-out last sessions")
    cfg = TowerConfig(n_items=n_items, n_attrs=n_attrs, n_types=5, profile_dim=len(PROFILE_FEATURES), max_attrs=5, max_len=MAX_LEN, dim=DIM)
    tower = TwoTower(cfg)
    test_targets_np = np.array(test_targets)
    with Timer("two-tower training"):
        train_two_tower(
            tower, train_examples, item_attrs, profile, rng, epochs=args.epochs, batch_size=512, negatives=args.negatives,
            lr=0.003, on_epoch=lambda e, loss: progress(e, args.epochs, loss=loss),
        )
    item_vecs = all_item_vectors(tower, item_attrs)
    content_vecs = all_item_vectors(tower, item_attrs, ids=np.zeros(n_items, np.int64))
    u = user_vectors(tower, test_seqs, test_types, item_attrs, profile)
    hr, ndcg = full_rank_metrics(u, item_vecs, test_targets_np)
    c_hr, c_ndcg = full_rank_metrics(u, content_vecs, test_targets_np)
    pop = np.zeros(n_items)
    for example in train_examples:
        pop[example[2]] += 1
    pop_scores = torch.from_numpy(pop).float().unsqueeze(1)
    p_hr, p_ndcg = full_rank_metrics(torch.ones((len(test_targets), 1)), pop_scores, test_targets_np)
    log(f"two-tower held-out HR@10 {hr:.4f} NDCG@10 {ndcg:.4f}; content-only items HR@10 {c_hr:.4f}; popularity HR@10 {p_hr:.4f} NDCG@10 {p_ndcg:.4f}")

    # ---- ranker (ESMM): views of a session, labelled clicked / purchased in it, features from before it ----
    cut = events["at"].max() - 15 * 86_400_000
    before = events[events["at"] < cut]
    counts = before.groupby(["item_id", "type"]).size().unstack(fill_value=0)
    stats = {}
    for item, row in counts.iterrows():
        v, c, p = int(row.get("view", 0)), int(row.get("click", 0)), int(row.get("purchase", 0))
        stats[item] = (v, c, p, int(row.sum()))
    dense, cats, clicks, buys, is_test_row = [], [], [], [], []
    for sessions in users.values():
        state = UserState()
        for session in sessions:
            clicked = {r[1] for r in session if r[0] == "click"}
            bought = {r[1] for r in session if r[0] == "purchase"}
            mobile = session[0][3] != "web"
            for r in session:
                if r[0] != "view":
                    continue
                item = by_id[r[1]]
                dense.append(ranker_vector(state, item, stats.get(r[1], (0, 0, 0, 0)), leaf_median[item["category_id"]], mobile))
                cats.append(item_attrs[index[r[1]]][[0, 2, 4]].tolist())
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
        "two_tower_hr10": hr,
        "two_tower_ndcg10": ndcg,
        "two_tower_content_only_hr10": c_hr,
        "popularity_hr10": p_hr,
        "popularity_ndcg10": p_ndcg,
        "ranker_click_auc": ctr_auc,
        "ranker_purchase_auc": ctcvr_auc,
        "baseline_click_auc": base_ctr_auc,
        "baseline_purchase_auc": base_ctcvr_auc,
    }
    tower.eval()
    n_ex = 8
    seq_example = make_batch(test_seqs[:n_ex], test_types[:n_ex], item_attrs, MAX_LEN, profile)
    export_onnx(
        UserTowerExport(tower),
        [
            InputSpec("seq_item_ids", seq_example.ids, vocabulary_size=n_items),
            InputSpec("seq_attr_ids", seq_example.attrs, vocabulary_size=n_attrs),
            InputSpec("seq_type_ids", seq_example.types, vocabulary_size=5),
            InputSpec("profile", seq_example.profile, features=PROFILE_FEATURES),
        ],
        ["user_vector"],
        models_dir / "rec-user-tower",
        "rec-user-tower",
        VERSION,
        description="Two-tower user tower: last 20 events (item, attributes, type) + profile -> 32-d unit vector.",
        metrics={k: v for k, v in metrics.items() if k.startswith(("two_tower", "popularity"))},
    )
    example_ids = torch.arange(1, n_ex + 1).unsqueeze(1)
    example_ids[0, 0] = 0  # a new item: attributes only
    export_onnx(
        ItemTowerExport(tower),
        [
            InputSpec("item_ids", example_ids, vocabulary_size=n_items),
            InputSpec("attr_ids", torch.from_numpy(item_attrs[1 : n_ex + 1]), vocabulary_size=n_attrs),
        ],
        ["item_vector"],
        models_dir / "rec-item-tower",
        "rec-item-tower",
        VERSION,
        description="Two-tower item tower: item id (0 = new item) + 5 attributes -> 32-d unit vector.",
        metrics={"two_tower_hr10": hr, "two_tower_content_only_hr10": c_hr},
    )
    export_onnx(
        ranker,
        [
            InputSpec("dense", dense_t[test_idx[:n_ex]], features=RANKER_FEATURES),
            InputSpec("cat_ids", cats_t[test_idx[:n_ex]], vocabulary_size=n_attrs),
        ],
        ["ctr_logit", "cvr_logit", "p_ctr", "p_ctcvr"],
        models_dir / "rec-ranker",
        "rec-ranker",
        VERSION,
        description="ESMM ranker: 12 dense user/item/cross/context features + (category, brand, price band) -> p(click), p(click and purchase).",
        metrics={k: v for k, v in metrics.items() if "auc" in k},
    )
    vocab = {
        "version": VERSION,
        "items": item_ids,
        "attributes": attr_names,
        "maxLen": MAX_LEN,
        "dim": DIM,
        "typeIds": TYPE_IDS,
        "profileFeatures": PROFILE_FEATURES,
        "rankerFeatures": RANKER_FEATURES,
    }
    (out / "vocab.json").write_text(json.dumps(vocab) + "\n")
    (out / "metrics.json").write_text(json.dumps({k: round(v, 4) for k, v in metrics.items()}, indent=2) + "\n")
    log(f"wrote {out / 'vocab.json'} and {out / 'metrics.json'}")


if __name__ == "__main__":
    main()
