"""The two-tower retrieval model used by eval.py (the earlier offline evaluation; the served model is seqrec.py).

Item tower: id embedding (row 0 = unknown/new item) + masked mean of attribute embeddings (category, brand,
price band, ...) -> residual MLP -> L2-normalised vector. Trained with id dropout, so an item with id 0 (a new
item, no interactions) still gets a useful vector from its attributes alone: the content path of cold start.

User tower: the last L interactions, right-aligned (position L-1 = most recent, 0 = padding), each the item
representation plus an event-type and a position embedding; one attention read-out queried by the most recent
item, the masked mean and the most recent item, plus a few dense profile features -> MLP -> L2-normalised.

Score = dot(user, item) / temperature. Trained with a sampled softmax: for each (sequence, next item), the
candidates are every positive of the batch plus a shared set of uniformly drawn items (accidental hits masked).
Written by hand (no nn.MultiheadAttention, no F.normalize) so the ONNX export stays simple (see ENVIRONMENT.md).
"""

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
import torch
from torch import nn


def l2norm(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)


@dataclass
class TowerConfig:
    n_items: int  # including row 0 (unknown)
    n_attrs: int  # including row 0 (padding)
    n_types: int  # including row 0 (padding)
    profile_dim: int
    max_attrs: int
    max_len: int = 20
    dim: int = 32
    temperature: float = 0.07
    id_dropout: float = 0.1


class TwoTower(nn.Module):
    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.dim
        self.item_emb = nn.Embedding(cfg.n_items, d)
        self.attr_emb = nn.Embedding(cfg.n_attrs, d)
        self.type_emb = nn.Embedding(cfg.n_types, d)
        self.pos_emb = nn.Embedding(cfg.max_len, d)
        nn.init.normal_(self.item_emb.weight, std=0.05)
        nn.init.normal_(self.attr_emb.weight, std=0.05)
        nn.init.normal_(self.type_emb.weight, std=0.05)
        nn.init.normal_(self.pos_emb.weight, std=0.05)
        self.item_head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d))
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.user_head = nn.Sequential(nn.Linear(3 * d + cfg.profile_dim, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))

    def item_repr(self, ids: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        mask = (attrs > 0).float().unsqueeze(-1)
        attr_mean = (self.attr_emb(attrs) * mask).sum(-2) / mask.sum(-2).clamp(min=1.0)
        return self.item_emb(ids) + attr_mean

    def item_tower(self, ids: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        if self.training and self.cfg.id_dropout > 0:
            keep = (torch.rand(ids.shape) >= self.cfg.id_dropout).long()
            ids = ids * keep
        x = self.item_repr(ids, attrs)
        return l2norm(x + self.item_head(x))

    def user_tower(
        self, seq_ids: torch.Tensor, seq_attrs: torch.Tensor, seq_types: torch.Tensor, profile: torch.Tensor
    ) -> torch.Tensor:
        valid = (seq_types > 0).float()  # [B, L]
        h = self.item_repr(seq_ids, seq_attrs) + self.type_emb(seq_types) + self.pos_emb.weight.unsqueeze(0)
        h = h * valid.unsqueeze(-1)
        last = h[:, -1, :]
        scores = (self.k(h) * self.q(last).unsqueeze(1)).sum(-1) / (self.cfg.dim**0.5)  # [B, L]
        scores = scores + (valid - 1.0) * 1e9
        weights = torch.softmax(scores, dim=-1) * valid
        ctx = (weights.unsqueeze(-1) * self.v(h)).sum(1)
        mean = h.sum(1) / valid.sum(1, keepdim=True).clamp(min=1.0)
        return l2norm(self.user_head(torch.cat([ctx, last, mean, profile], dim=-1)))


class UserTowerExport(nn.Module):
    def __init__(self, model: TwoTower) -> None:
        super().__init__()
        self.model = model

    def forward(self, seq_item_ids, seq_attr_ids, seq_type_ids, profile):
        return (self.model.user_tower(seq_item_ids, seq_attr_ids, seq_type_ids, profile),)


class ItemTowerExport(nn.Module):
    def __init__(self, model: TwoTower) -> None:
        super().__init__()
        self.model = model

    def forward(self, item_ids, attr_ids):
        return (self.model.item_tower(item_ids[:, 0], attr_ids),)


@dataclass
class SeqBatch:
    ids: torch.Tensor
    attrs: torch.Tensor
    types: torch.Tensor
    profile: torch.Tensor


def make_batch(
    seqs: Sequence[Sequence[int]],
    types: Sequence[Sequence[int]],
    item_attrs: np.ndarray,
    max_len: int,
    profile_fn,
) -> SeqBatch:
    """Right-aligns the last max_len items of each sequence; item_attrs[item] is the padded attribute row."""
    b = len(seqs)
    ids = np.zeros((b, max_len), np.int64)
    tps = np.zeros((b, max_len), np.int64)
    for r, (s, t) in enumerate(zip(seqs, types)):
        s = list(s)[-max_len:]
        t = list(t)[-max_len:]
        if s:
            ids[r, max_len - len(s) :] = s
            tps[r, max_len - len(t) :] = t
    attrs = item_attrs[ids]
    attrs[ids == 0] = 0
    profile = np.array([profile_fn(s, t) for s, t in zip(seqs, types)], np.float32).reshape(b, -1)
    return SeqBatch(torch.from_numpy(ids), torch.from_numpy(attrs), torch.from_numpy(tps), torch.from_numpy(profile))


def train_two_tower(
    model: TwoTower,
    examples: List[Tuple[List[int], List[int], int]],
    item_attrs: np.ndarray,
    profile_fn,
    rng: np.random.Generator,
    epochs: int,
    batch_size: int = 512,
    negatives: int = 2048,
    lr: float = 0.003,
    on_epoch=None,
    example_fn=None,
) -> None:
    """examples: (sequence items, sequence types, target item). example_fn(epoch) may return fresh examples."""
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    n_items = model.cfg.n_items
    attrs_t = torch.from_numpy(item_attrs)
    for epoch in range(1, epochs + 1):
        if example_fn is not None:
            examples = example_fn(epoch)
        model.train()
        order = rng.permutation(len(examples))
        total = 0.0
        for start in range(0, len(order), batch_size):
            chunk = [examples[i] for i in order[start : start + batch_size]]
            batch = make_batch([c[0] for c in chunk], [c[1] for c in chunk], item_attrs, model.cfg.max_len, profile_fn)
            targets = torch.tensor([c[2] for c in chunk], dtype=torch.long)
            sampled = torch.from_numpy(rng.integers(1, n_items, size=negatives)).long()
            cands = torch.cat([targets, sampled])
            u = model.user_tower(batch.ids, batch.attrs, batch.types, batch.profile)
            v = model.item_tower(cands, attrs_t[cands])
            logits = u @ v.T / model.cfg.temperature
            labels = torch.arange(len(chunk))
            hits = cands.unsqueeze(0) == targets.unsqueeze(1)
            hits[labels, labels] = False
            logits = logits.masked_fill(hits, -1e9)
            loss = nn.functional.cross_entropy(logits, labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(chunk)
        if on_epoch is not None:
            on_epoch(epoch, total / max(1, len(examples)))


@torch.no_grad()
def all_item_vectors(model: TwoTower, item_attrs: np.ndarray, ids: np.ndarray = None) -> torch.Tensor:
    model.eval()
    n = model.cfg.n_items
    ids_t = torch.arange(n) if ids is None else torch.from_numpy(ids)
    return model.item_tower(ids_t, torch.from_numpy(item_attrs)[torch.arange(n)])


@torch.no_grad()
def user_vectors(model: TwoTower, seqs, types, item_attrs, profile_fn, batch_size: int = 2048) -> torch.Tensor:
    model.eval()
    out = []
    for start in range(0, len(seqs), batch_size):
        b = make_batch(seqs[start : start + batch_size], types[start : start + batch_size], item_attrs, model.cfg.max_len, profile_fn)
        out.append(model.user_tower(b.ids, b.attrs, b.types, b.profile))
    return torch.cat(out) if out else torch.zeros((0, model.cfg.dim))


def sampled_metrics(scores: np.ndarray, k: int = 10) -> Tuple[float, float]:
    """scores[:, 0] is the true item, the rest negatives: HR@k and NDCG@k (ties count against the true item)."""
    rank = (scores[:, 1:] >= scores[:, :1]).sum(1)
    hit = rank < k
    ndcg = np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0)
    return float(hit.mean()), float(ndcg.mean())
