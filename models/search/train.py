"""Trains the search two-tower text encoder (DSSM-style hashed word + character-trigram ids, masked mean).

    /usr/bin/python3 models/search/train.py --data <dir from export-data.ts> --out models/search

One shared tower embeds both queries and product texts (title + category) into 32-d unit vectors; cosine
similarity is the semantic score. Training pairs are synthesised from the demo world's products: category
names, brand + category, attribute value + category and a few title words, some with a typo. A product is
relevant to a synthetic query when every query word occurs in its title, category, brand or attributes; the
loss is a multi-positive in-batch softmax. Held out: 10% of the distinct query strings, scored by precision@10
over the whole catalogue against a character-trigram TF-IDF baseline.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/, for `common`
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from torch import nn  # noqa: E402

from common import InputSpec, OutputSpec, Timer, export_onnx, log, progress, set_seed  # noqa: E402
from features import BUCKETS, ITEM_LENGTH, QUERY_LENGTH, hashed_token_ids, words  # noqa: E402

VERSION = "1.0.0"
DIM = 32


class TextTower(nn.Module):
    """Embedding + masked mean + a residual MLP, L2-normalised. ids [batch, seq] int64, mask [batch, seq] float."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(BUCKETS, DIM, sparse=True)
        nn.init.normal_(self.embedding.weight, std=0.1)
        self.mlp = nn.Sequential(nn.Linear(DIM, 64), nn.Tanh(), nn.Linear(64, DIM))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        summed = (self.embedding(ids) * mask.unsqueeze(2)).sum(dim=1)
        mean = summed / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
        out = mean + self.mlp(mean)
        return out / out.norm(dim=1, keepdim=True).clamp(min=1e-12)


def pad(rows, length):
    ids = np.zeros((len(rows), length), dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=np.float32)
    for i, r in enumerate(rows):
        r = r[:length]
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1.0
    return torch.tensor(ids), torch.tensor(mask)


def typo(rng, text):
    ws = text.split(" ")
    long = [i for i, w in enumerate(ws) if len(w) >= 5]
    if not long:
        return text
    i = long[rng.integers(len(long))]
    w = ws[i]
    k = int(rng.integers(1, len(w) - 1))
    kind = rng.integers(3)
    if kind == 0:
        w = w[:k] + w[k + 1 :]
    elif kind == 1:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    else:
        w = w[:k] + w[k] + w[k:]
    ws[i] = w
    return " ".join(ws)


def synthesise(frame, rng):
    """(query, product row) pairs; the query string is what relevance is judged on (before any typo)."""
    pairs = []
    for row, p in enumerate(frame.itertuples()):
        attrs = [a.split("=", 1)[1] for a in str(p.attributes).split("|") if "=" in a]
        title_words = [w for w in words(p.title) if not w.isdigit()]
        options = [p.category, f"{p.brand} {p.category}"]
        if attrs:
            options.append(f"{attrs[rng.integers(len(attrs))]} {p.category}")
        if len(title_words) >= 2:
            k = int(rng.integers(1, min(3, len(title_words)) + 1))
            options.append(" ".join(rng.choice(title_words, size=k, replace=False)))
        for q in options:
            pairs.append((" ".join(words(q)), row))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = set_seed(args.seed)

    frame = pd.read_csv(os.path.join(args.data, "products.csv"), dtype=str, keep_default_na=False)
    full_text = (frame.title + " " + frame.category + " " + frame.brand + " " + frame.attributes.str.replace("|", " ", regex=False).str.replace("=", " ", regex=False)).tolist()
    item_text_with_category = (frame.title + " " + frame.category).tolist()
    item_text_plain = frame.title.tolist()

    pairs = synthesise(frame, rng)
    queries = sorted({q for q, _ in pairs})
    held = set(rng.choice(queries, size=len(queries) // 10, replace=False).tolist())
    train_pairs = [(q, r) for q, r in pairs if q not in held]
    held_queries = sorted(held)
    log(f"{len(frame)} products, {len(pairs)} synthetic pairs, {len(queries)} distinct queries, {len(held_queries)} held out")

    # Relevance: every query word occurs in the product's full text (word incidence, sparse).
    vocab = {}
    def incidence(texts):
        rows, cols = [], []
        for i, t in enumerate(texts):
            for w in set(words(t)):
                rows.append(i)
                cols.append(vocab.setdefault(w, len(vocab)))
        return rows, cols
    pr, pc = incidence(full_text)
    def query_matrix(qs):
        qr, qc = incidence(qs)
        return sparse.csr_matrix((np.ones(len(qr), np.float32), (qr, qc)), shape=(len(qs), 200_000))
    product_matrix = sparse.csr_matrix((np.ones(len(pr), np.float32), (pr, pc)), shape=(len(frame), 200_000))
    def relevant(qs, rows):
        qm = query_matrix(qs)
        hits = (qm @ product_matrix[rows].T).toarray()
        return hits >= np.asarray(qm.sum(axis=1)).reshape(-1, 1)

    item_ids_cat = [hashed_token_ids(t, max_length=ITEM_LENGTH) for t in item_text_with_category]
    item_ids_plain = [hashed_token_ids(t, max_length=ITEM_LENGTH) for t in item_text_plain]

    model = TextTower()
    # Sparse gradients for the hash table: a step touches only the rows of the batch's ids.
    optimisers = [
        torch.optim.SparseAdam(list(model.embedding.parameters()), lr=0.01),
        torch.optim.Adam(model.mlp.parameters(), lr=0.01),
    ]
    batch_size = 256
    temperature = 0.05
    with Timer("training"):
        for epoch in range(1, args.epochs + 1):
            model.train()
            order = rng.permutation(len(train_pairs))
            total = 0.0
            for start in range(0, len(order), batch_size):
                batch = [train_pairs[i] for i in order[start : start + batch_size]]
                qs = [q for q, _ in batch]
                rows = [r for _, r in batch]
                shown = [typo(rng, q) if rng.random() < 0.25 else q for q in qs]
                qi, qm = pad([hashed_token_ids(q, max_length=QUERY_LENGTH) for q in shown], QUERY_LENGTH)
                items = [item_ids_cat[r] if rng.random() < 0.5 else item_ids_plain[r] for r in rows]
                ii, im = pad(items, ITEM_LENGTH)
                rel = torch.tensor(relevant(qs, rows))
                rel[torch.arange(len(rows)), torch.arange(len(rows))] = True
                logits = model(qi, qm) @ model(ii, im).T / temperature
                log_probs = torch.log_softmax(logits, dim=1)
                loss = -(torch.logsumexp(log_probs.masked_fill(~rel, -1e9), dim=1)).mean()
                for optimiser in optimisers:
                    optimiser.zero_grad()
                loss.backward()
                for optimiser in optimisers:
                    optimiser.step()
                total += loss.item() * len(batch)
            progress(epoch, args.epochs, loss=total / len(train_pairs))

    # Held-out precision@10 over the whole catalogue (product text without category, like the eval corpora).
    model.eval()
    with torch.no_grad():
        ii, im = pad(item_ids_plain, ITEM_LENGTH)
        item_vectors = model(ii, im).numpy()
        qi, qm = pad([hashed_token_ids(q, max_length=QUERY_LENGTH) for q in held_queries], QUERY_LENGTH)
        query_vectors = model(qi, qm).numpy()
    rel = relevant(held_queries, list(range(len(frame))))
    def precision_at_10(scores):
        top = np.argsort(-scores, axis=1)[:, :10]
        return float(np.mean([rel[i, top[i]].mean() for i in range(len(held_queries))]))
    model_p10 = precision_at_10(query_vectors @ item_vectors.T)
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)).fit(item_text_plain)
    baseline_p10 = precision_at_10((tfidf.transform(held_queries) @ tfidf.transform(item_text_plain).T).toarray())
    log(f"held-out precision@10 {model_p10:.4f} vs char-trigram TF-IDF baseline {baseline_p10:.4f}")

    # Parity sample for the TypeScript tokenizer test.
    samples = ["Stenand Cat-Eye Sunglasses, Mirrored Blue", "Crème brûlée torch — 1:24 RC car!", "  ", "wireless earbuds"]
    Path(args.out, "parity-ids.json").write_text(json.dumps(
        {"buckets": BUCKETS, "maxLength": QUERY_LENGTH, "samples": [{"text": s, "ids": hashed_token_ids(s, max_length=QUERY_LENGTH)} for s in samples]}, indent=1) + "\n")

    example_ids, example_mask = pad([hashed_token_ids(q, max_length=QUERY_LENGTH) for q in held_queries[:16]], 12)
    export_onnx(
        model,
        inputs=[
            InputSpec("ids", example_ids, vocabulary_size=BUCKETS, dynamic={1: "seq"}),
            InputSpec("mask", example_mask, dynamic={1: "seq"}),
        ],
        outputs=[OutputSpec("embedding")],
        out_dir=args.out,
        name="search",
        version=VERSION,
        description=f"Two-tower text encoder: hashed words + char trigrams ({BUCKETS} buckets x {DIM} dims), masked mean, residual MLP, unit vectors. Queries and product titles share the tower.",
        metrics={"heldout_precision_at_10": model_p10, "baseline_tfidf_precision_at_10": baseline_p10},
    )


if __name__ == "__main__":
    main()
