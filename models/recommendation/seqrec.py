"""The served recommendation model: SASRec-style causal self-attention over a user's recent events, with item
attributes as side features (BST), trained with a full softmax over every item on every position.

Item representation (shared by the input sequence and the output layer, and exported as the item tower):
    item(id, attrs) = E_id[id] + MLP(masked mean of E_attr[attrs])
E_id row 0 is fixed at zero, so id 0 (an item the model does not know: a new product) gives the attribute-only
vector. During training a random 10 % of item ids are replaced by 0 in each batch (in the inputs and the output
table alike), which trains that attribute-only path: the cold-start vector.

User encoder: token = item(id, attrs) + E_type[type] + E_pos[position counted from the right]; dropout; two
pre-LayerNorm transformer blocks with causal, padding-masked attention; a final LayerNorm. The user vector is
the hidden state at the last position (the most recent event). A row with no events gets a learned "no
history" vector, trained to predict users' first items.

Score = user_vector . item_vector, the logit of the softmax. Loss (Klenitskiy & Vasilev 2023; Petrov &
Macdonald, gSASRec 2023): cross-entropy over ALL items at every position whose next event is a different item,
not one sampled negative per position. Attention is written by hand (no nn.MultiheadAttention) and the
vectors are not normalised, so the ONNX graphs stay plain (see ENVIRONMENT.md).
"""

import math
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn


@dataclass
class SeqConfig:
    n_items: int  # including row 0 (unknown / padding)
    n_attrs: int  # including row 0 (padding)
    attr_slots: int
    n_types: int = 5  # including 0 (padding)
    max_len: int = 50
    dim: int = 64
    blocks: int = 2
    heads: int = 1
    dropout: float = 0.3
    id_dropout: float = 0.1
    # > 0: user and item vectors are L2-normalised and logits = cosine / temperature (faster to train; the inner
    # product of the exported unit vectors ranks exactly as the trained softmax). 0: raw inner products.
    temperature: float = 0.0


def l2norm(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """h [B, L, d]; bias [B, 1, L, L] additive attention mask (0 or -1e9)."""
        b, n, d = h.shape
        hd = d // self.heads
        q, k, v = self.qkv(self.ln1(h)).chunk(3, dim=-1)
        q = q.reshape(b, n, self.heads, hd).transpose(1, 2)
        k = k.reshape(b, n, self.heads, hd).transpose(1, 2)
        v = v.reshape(b, n, self.heads, hd).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + bias
        att = self.drop(torch.softmax(scores, dim=-1))
        ctx = (att @ v).transpose(1, 2).reshape(b, n, d)
        h = h + self.drop(self.out(ctx))
        return h + self.drop(self.ffn(self.ln2(h)))


class SeqRec(nn.Module):
    def __init__(self, cfg: SeqConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.dim
        self.item_emb = nn.Embedding(cfg.n_items, d, padding_idx=0)
        self.attr_emb = nn.Embedding(cfg.n_attrs, d, padding_idx=0)
        self.attr_mlp = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
        self.type_emb = nn.Embedding(cfg.n_types, d, padding_idx=0)
        self.pos_emb = nn.Embedding(cfg.max_len, d)
        for emb in (self.item_emb, self.attr_emb, self.type_emb, self.pos_emb):
            nn.init.normal_(emb.weight, std=0.05)
            if emb.padding_idx is not None:
                with torch.no_grad():
                    emb.weight[emb.padding_idx].zero_()
        self.blocks = nn.ModuleList([Block(d, cfg.heads, cfg.dropout) for _ in range(cfg.blocks)])
        self.final_ln = nn.LayerNorm(d)
        self.empty_user = nn.Parameter(torch.randn(d) * 0.05)
        self.emb_drop = nn.Dropout(cfg.dropout)

    def item_repr(self, ids: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """ids [...]; attrs [..., A] -> [..., d]."""
        mask = (attrs > 0).float().unsqueeze(-1)
        attr_mean = (self.attr_emb(attrs) * mask).sum(-2) / mask.sum(-2).clamp(min=1.0)
        return self.item_emb(ids) + self.attr_mlp(attr_mean)

    def output_item(self, ids: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """The item vector of the softmax (and of the item tower)."""
        v = self.item_repr(ids, attrs)
        return l2norm(v) if self.cfg.temperature > 0 else v

    def output_user(self, h: torch.Tensor) -> torch.Tensor:
        return l2norm(h) if self.cfg.temperature > 0 else h

    def scale(self) -> float:
        return 1.0 / self.cfg.temperature if self.cfg.temperature > 0 else 1.0

    def encode(self, seq_ids: torch.Tensor, seq_attrs: torch.Tensor, seq_types: torch.Tensor) -> torch.Tensor:
        """Hidden states [B, L, d] of left-padded sequences (position L-1 = most recent)."""
        seq_ids = seq_ids[:, -self.cfg.max_len :]
        seq_attrs = seq_attrs[:, -self.cfg.max_len :]
        seq_types = seq_types[:, -self.cfg.max_len :]
        n = seq_ids.shape[1]
        valid = (seq_types > 0).float()  # [B, L]
        pos = self.pos_emb.weight[self.cfg.max_len - n :]  # right-aligned positions
        h = self.item_repr(seq_ids, seq_attrs) + self.type_emb(seq_types) + pos.unsqueeze(0)
        h = self.emb_drop(h) * valid.unsqueeze(-1)
        idx = torch.arange(n, device=seq_ids.device)
        causal = (idx.unsqueeze(0) <= idx.unsqueeze(1)).float()  # [L(query), L(key)]
        allowed = causal.unsqueeze(0) * valid.unsqueeze(1)  # [B, L, L]
        bias = ((allowed - 1.0) * 1e9).unsqueeze(1)
        for block in self.blocks:
            h = block(h, bias) * valid.unsqueeze(-1)
        return self.final_ln(h)

    def user_vector(self, seq_ids: torch.Tensor, seq_attrs: torch.Tensor, seq_types: torch.Tensor) -> torch.Tensor:
        h = self.encode(seq_ids, seq_attrs, seq_types)
        last = h[:, -1, :]
        has_events = (seq_types[:, -self.cfg.max_len :] > 0).any(dim=1, keepdim=True)
        return self.output_user(torch.where(has_events, last, self.empty_user.unsqueeze(0).expand_as(last)))


class UserTowerExport(nn.Module):
    def __init__(self, model: SeqRec) -> None:
        super().__init__()
        self.model = model

    def forward(self, seq_item_ids, seq_attr_ids, seq_type_ids):
        return (self.model.user_vector(seq_item_ids, seq_attr_ids, seq_type_ids),)


class ItemTowerExport(nn.Module):
    def __init__(self, model: SeqRec) -> None:
        super().__init__()
        self.model = model

    def forward(self, item_ids, attr_ids):
        return (self.model.output_item(item_ids[:, 0], attr_ids),)


# ---------------------------------------------------------------- data shaping


@dataclass
class Encoded:
    """Sequences as model indices: per user, item indices and type ids (same length)."""

    items: List[np.ndarray]
    types: List[np.ndarray]


def left_pad(seqs: Sequence[np.ndarray], length: int) -> np.ndarray:
    out = np.zeros((len(seqs), length), np.int64)
    for r, s in enumerate(seqs):
        s = s[-length:]
        if len(s):
            out[r, length - len(s) :] = s
    return out


def training_windows(items: List[np.ndarray], types: List[np.ndarray], max_len: int):
    """Windows of at most max_len + 1 events, from the end of each sequence backwards, overlapping by one event
    so that every transition is a target once per epoch. Returns (input items, input types, targets, firsts)
    lists; firsts[i] is the sequence's first item when the window begins there (a target of the "no history"
    vector), else 0."""
    xs, ts, ys, starts = [], [], [], []
    for s, t in zip(items, types):
        end = len(s)
        while end >= 2:
            begin = max(0, end - max_len - 1)
            xs.append(s[begin : end - 1])
            ts.append(t[begin : end - 1])
            y = s[begin + 1 : end].copy()
            y[y == s[begin : end - 1]] = 0  # the same item again (view, then click of it): no target
            ys.append(y)
            starts.append(int(s[0]) if begin == 0 else 0)
            end = begin + 1
        if len(s) == 1:
            xs.append(s[:0])
            ts.append(t[:0])
            ys.append(s[:0])
            starts.append(int(s[0]))
    return xs, ts, ys, starts


def train_seqrec(
    model: SeqRec,
    train: Encoded,
    item_attrs: np.ndarray,
    rng: np.random.Generator,
    epochs: int,
    validate: Callable[[int], float],
    batch_size: int = 128,
    lr: float = 1e-3,
    negatives: int = 0,
    patience: int = 3,
    time_budget: float = 1200.0,
    validate_every: int = 1,
    on_epoch: Optional[Callable[[int, float, float, float], None]] = None,
) -> dict:
    """Softmax cross-entropy training (over every item, or over `negatives` sampled items when > 0) with early stopping on `validate(epoch)` (higher is better). Keeps the best state.
    Returns {best_epoch, best_score, epochs_run, epoch_seconds, stopped}."""
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    attrs_t = torch.from_numpy(item_attrs)
    n_items = model.cfg.n_items
    all_ids = torch.arange(n_items)
    xs, ts, ys, starts = training_windows(train.items, train.types, model.cfg.max_len)
    lengths = np.array([len(x) for x in xs])
    best = {"score": -1.0, "state": None, "epoch": 0}
    epoch_seconds: List[float] = []
    started = time.time()
    stopped = "epochs"
    bad = 0
    for epoch in range(1, epochs + 1):
        t0 = time.time()
        model.train()
        # Batches of windows of similar length (little padding), in random order.
        order = np.lexsort((rng.random(len(xs)), lengths))
        batches = [order[b0 : b0 + batch_size] for b0 in range(0, len(order), batch_size)]
        total, count = 0.0, 0
        for bi in rng.permutation(len(batches)):
            chunk = batches[bi]
            length = max(1, max(len(xs[i]) for i in chunk))
            ids = torch.from_numpy(left_pad([xs[i] for i in chunk], length))
            tps = torch.from_numpy(left_pad([ts[i] for i in chunk], length))
            tgt = torch.from_numpy(left_pad([ys[i] for i in chunk], length))
            # Item-id dropout: the same random 10 % of ids read as 0 (attributes only) in inputs and outputs.
            drop = torch.rand(n_items) < model.cfg.id_dropout
            drop[0] = True
            ids_in = torch.where(drop[ids], torch.zeros_like(ids), ids)
            h = model.encode(ids_in, attrs_t[ids], tps)
            mask = tgt > 0
            hv = h[mask]
            yv = tgt[mask]
            # The "no history" vector predicts each window-start's first item.
            firsts = torch.tensor([starts[i] for i in chunk if starts[i] > 0], dtype=torch.long)
            if len(firsts) > 0:
                hv = torch.cat([hv, model.empty_user.unsqueeze(0).expand(len(firsts), -1)])
                yv = torch.cat([yv, firsts])
            if len(yv) == 0:
                continue
            hv = model.output_user(hv) * model.scale()
            if negatives <= 0 or negatives >= n_items - 1:
                table = model.output_item(torch.where(drop, torch.zeros_like(all_ids), all_ids), attrs_t[:n_items])
                logits = hv @ table.T  # full softmax over every item
                logits[:, 0] = -1e9
                loss = nn.functional.cross_entropy(logits, yv)
            else:
                # Cross-entropy over the target and `negatives` uniformly drawn items shared by the batch
                # (accidental hits masked): the CE loss of Klenitskiy & Vasilev with sampled negatives.
                neg = torch.randint(1, n_items, (negatives,))
                rows, inverse = torch.unique(torch.cat([yv, neg]), return_inverse=True)
                table = model.output_item(torch.where(drop[rows], torch.zeros_like(rows), rows), attrs_t[rows])
                pos_logit = (hv * table[inverse[: len(yv)]]).sum(-1, keepdim=True)
                neg_logit = (hv @ table[inverse[len(yv) :]].T).masked_fill(neg.unsqueeze(0) == yv.unsqueeze(1), -1e9)
                logits = torch.cat([pos_logit, neg_logit], dim=1)
                loss = nn.functional.cross_entropy(logits, torch.zeros(len(yv), dtype=torch.long))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(yv)
            count += len(yv)
        epoch_seconds.append(time.time() - t0)
        score = float("nan")
        if epoch % validate_every == 0 or epoch == epochs:
            score = validate(epoch)
            if score > best["score"]:
                best.update(score=score, state={k: v.detach().clone() for k, v in model.state_dict().items()}, epoch=epoch)
                bad = 0
            else:
                bad += 1
        if on_epoch is not None:
            on_epoch(epoch, total / max(1, count), score, epoch_seconds[-1])
        if bad >= patience:
            stopped = f"early stop: no better validation in {patience} checks"
            break
        elapsed = time.time() - started
        if elapsed + np.mean(epoch_seconds) * 1.2 > time_budget:
            stopped = f"time budget {time_budget:.0f} s"
            break
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    model.eval()
    return {
        "best_epoch": best["epoch"],
        "best_score": best["score"],
        "epochs_run": len(epoch_seconds),
        "epoch_seconds": round(float(np.median(epoch_seconds)), 1) if epoch_seconds else 0.0,
        "stopped": stopped,
    }


# ---------------------------------------------------------------- scoring


@torch.no_grad()
def catalogue_item_vectors(model: SeqRec, cat_attrs: np.ndarray, known: int) -> torch.Tensor:
    """Vectors of every catalogue row [C + 1, d]: rows 1..known are the model's items (id + attributes), rows
    after `known` are items the model never saw (id 0: attributes only), as the serving side computes them."""
    model.eval()
    rows = torch.arange(len(cat_attrs))
    ids = torch.where(rows <= known, rows, torch.zeros_like(rows))
    return model.output_item(ids, torch.from_numpy(cat_attrs))


@torch.no_grad()
def user_vectors(model: SeqRec, items: Sequence[np.ndarray], types: Sequence[np.ndarray], cat_attrs: np.ndarray,
                 known: int, batch_size: int = 1024) -> torch.Tensor:
    """Sequences of catalogue rows; a row above `known` is fed as id 0 with its attributes (an unknown item)."""
    model.eval()
    out = []
    attrs_t = torch.from_numpy(cat_attrs)
    for b0 in range(0, len(items), batch_size):
        rows = torch.from_numpy(left_pad(items[b0 : b0 + batch_size], model.cfg.max_len))
        tps = torch.from_numpy(left_pad(types[b0 : b0 + batch_size], model.cfg.max_len))
        ids = torch.where(rows <= known, rows, torch.zeros_like(rows))
        out.append(model.user_vector(ids, attrs_t[rows], tps))
    return torch.cat(out) if out else torch.zeros((0, model.cfg.dim))


def full_ranks(user_vecs: torch.Tensor, item_vecs: torch.Tensor, histories: Sequence[Sequence[int]], targets: np.ndarray,
               batch: int = 512) -> np.ndarray:
    """0-based rank of each target among all items (index 0 excluded), the user's history excluded but the target
    kept (the S3-Rec / ICLRec full-ranking protocol)."""
    ranks = []
    for b0 in range(0, len(targets), batch):
        s = (user_vecs[b0 : b0 + batch] @ item_vecs.T).numpy()
        s[:, 0] = -np.inf
        tb = targets[b0 : b0 + batch]
        true = s[np.arange(len(tb)), tb].copy()
        for r, hist in enumerate(histories[b0 : b0 + batch]):
            if len(hist):
                s[r, np.asarray(hist, np.int64)] = -np.inf
        ranks.append((s > true[:, None]).sum(1))
    return np.concatenate(ranks) if ranks else np.zeros(0, np.int64)


def rank_metrics(ranks: np.ndarray, ks: Tuple[int, ...] = (10,)) -> dict:
    out = {}
    for k in ks:
        hit = ranks < k
        out[f"HR@{k}"] = float(hit.mean()) if len(ranks) else 0.0
        out[f"NDCG@{k}"] = float(np.where(hit, 1.0 / np.log2(ranks + 2.0), 0.0).mean()) if len(ranks) else 0.0
    return out
