"""Offline evaluation of the two-tower recommender on real sequential-recommendation data.

    npm run eval -- recommendation --data /work/shared/datasets/amazon_seqrec [--dataset Beauty] [--epochs 20]

The folder holds `<name>.txt` files (one user per line: `user item_1 ... item_n`, items in time order, ids from 1)
and optional `<name>_item2attributes.json` (item id -> list of attribute ids). Every `<name>.txt` is evaluated,
smallest first, unless --dataset names some. Nothing is copied: the files are read in place.

Protocol (the S3-Rec / ICLRec one, see the folder's PROVENANCE.md): leave-one-out. Per user, the last item is the
test target, the second-to-last the validation target, the rest is training. The model trains on the training
prefixes only; at test time the user tower reads every item but the last. Reported:

- HR@10 and NDCG@10 with the true item ranked against 99 negatives drawn uniformly from items the user never
  interacted with (S3-Rec's sampled protocol; its sample files are not shipped, so ours are drawn with a fixed
  seed), and against 99 negatives drawn in proportion to popularity (a harder variant, reported for honesty);
- HR@10 / NDCG@10 under full ranking over all items, the user's own history excluded (ICLRec's protocol);
- the same for a popularity baseline (training-interaction counts), and the published figures for known names.

Writes a JSON summary to stdout's last line and, with --out <file>, to a file.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/, for `common`
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from common import log, progress, set_seed  # noqa: E402
from twotower import TowerConfig, TwoTower, all_item_vectors, sampled_metrics, train_two_tower, user_vectors  # noqa: E402

# Published figures (PROVENANCE.md; computed on the full user set): 99 sampled negatives (S3-Rec) and full
# ranking (ICLRec).
PUBLISHED = {
    "Beauty": {"SASRec@99neg": (0.4696, 0.3156), "S3-Rec@99neg": (0.5506, 0.3732), "ICLRec@full": (0.0744, 0.0403)},
    "Sports_and_Outdoors": {
        "SASRec@99neg": (0.4622, 0.2869),
        "S3-Rec@99neg": (0.5614, 0.3538),
        "ICLRec@full": (0.0437, 0.0238),
    },
    "Toys_and_Games": {
        "SASRec@99neg": (0.4663, 0.3136),
        "S3-Rec@99neg": (0.5530, 0.3629),
        "ICLRec@full": (0.0834, 0.0480),
    },
}


def read_sequences(path: Path):
    users, seqs = [], []
    with path.open() as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            try:
                numbers = [int(x) for x in parts]
            except ValueError:
                raise SystemExit(f"{path}:{line_no}: expected integers `user item ...`, got {line[:60]!r}")
            if len(numbers) < 2 or min(numbers[1:]) < 1:
                raise SystemExit(f"{path}:{line_no}: a user needs at least one item; item ids start at 1")
            users.append(numbers[0])
            seqs.append(numbers[1:])
    return users, seqs


def read_attributes(path: Path, n_items: int):
    """Padded [n_items, K] attribute ids (0 = padding; file ids shifted by one)."""
    if not path.exists():
        return np.zeros((n_items, 1), np.int64), 1
    raw = json.loads(path.read_text())
    lists = {}
    for key, values in raw.items():
        item = int(key)
        if 0 < item < n_items:
            lists[item] = [int(v) + 1 for v in values][:8]
    k = max(1, max((len(v) for v in lists.values()), default=1))
    attrs = np.zeros((n_items, k), np.int64)
    for item, values in lists.items():
        attrs[item, : len(values)] = values
    return attrs, int(attrs.max()) + 1


def ranks_metrics(scores_true: np.ndarray, scores_neg: np.ndarray):
    return sampled_metrics(np.concatenate([scores_true[:, None], scores_neg], axis=1))


def sample_negatives(rng, seqs, n_items, weights=None, count=99):
    """count distinct items per user that the user never interacted with (uniform, or by `weights`)."""
    out = np.zeros((len(seqs), count), np.int64)
    p = None if weights is None else weights / weights.sum()
    for u, seq in enumerate(seqs):
        seen = set(seq)
        chosen = []
        chosen_set = set()
        while len(chosen) < count:
            draw = rng.choice(n_items, size=count * 2, p=p) if p is not None else rng.integers(1, n_items, size=count * 2)
            for item in draw:
                item = int(item)
                if item == 0 or item in seen or item in chosen_set:
                    continue
                chosen.append(item)
                chosen_set.add(item)
                if len(chosen) == count:
                    break
        out[u] = chosen
    return out


def full_ranking(user_vecs: torch.Tensor, item_vecs: torch.Tensor, seqs, targets, k=10, batch=1024):
    hits, ndcgs = [], []
    for start in range(0, len(seqs), batch):
        s = (user_vecs[start : start + batch] @ item_vecs.T).numpy()
        s[:, 0] = -np.inf
        for r, seq in enumerate(seqs[start : start + batch]):
            t = targets[start + r]
            true = s[r, t]
            s[r, list(set(seq))] = -np.inf
            s[r, t] = true
        true = s[np.arange(len(s)), targets[start : start + batch]]
        rank = (s > true[:, None]).sum(1)
        hits.append(rank < k)
        ndcgs.append(np.where(rank < k, 1.0 / np.log2(rank + 2.0), 0.0))
    return float(np.concatenate(hits).mean()), float(np.concatenate(ndcgs).mean())


def popularity_full(pop: np.ndarray, seqs, targets, k=10):
    order = np.argsort(-pop, kind="stable")
    hits, ndcgs = [], []
    top = order[: k + 200]
    for seq, t in zip(seqs, targets):
        seen = set(seq)
        ranked = [i for i in top if i not in seen and i != 0][:k]
        if t in ranked:
            r = ranked.index(t)
            hits.append(1.0)
            ndcgs.append(1.0 / np.log2(r + 2.0))
        else:
            hits.append(0.0)
            ndcgs.append(0.0)
    return float(np.mean(hits)), float(np.mean(ndcgs))


def evaluate_dataset(name: str, folder: Path, args) -> dict:
    started = time.time()
    rng = set_seed(args.seed)
    users, seqs = read_sequences(folder / f"{name}.txt")
    seqs = [s for s in seqs if len(s) >= 3]
    if args.max_users and len(seqs) > args.max_users:
        keep = np.sort(rng.choice(len(seqs), size=args.max_users, replace=False))
        seqs = [seqs[i] for i in keep]
        log(f"{name}: subsampled to {len(seqs)} users (--max-users)")
    n_items = max(max(s) for s in seqs) + 1
    attrs, n_attrs = read_attributes(folder / f"{name}_item2attributes.json", n_items)
    log(f"{name}: {len(seqs)} users, {n_items - 1} items, {sum(map(len, seqs))} interactions, {n_attrs - 1} attributes")

    train_seqs = [s[:-2] for s in seqs]
    valid_in = [s[:-2] for s in seqs]
    valid_t = np.array([s[-2] for s in seqs])
    test_in = [s[:-1] for s in seqs]
    test_t = np.array([s[-1] for s in seqs])

    pop = np.zeros(n_items, np.float64)
    for s in test_in:
        for i in s:
            pop[i] += 1

    def profile(seq, _types):
        return [np.log1p(len(seq)) / 5.0]

    cfg = TowerConfig(
        n_items=n_items,
        n_attrs=n_attrs,
        n_types=2,
        profile_dim=1,
        max_attrs=attrs.shape[1],
        max_len=args.max_len,
        dim=args.dim,
        temperature=args.temperature,
        id_dropout=0.0,
    )
    model = TwoTower(cfg)

    def examples_for_epoch(_epoch):
        out = []
        for s in train_seqs:
            if len(s) < 2:
                continue
            cuts = rng.choice(np.arange(1, len(s)), size=min(args.cuts, len(s) - 1), replace=False)
            for c in cuts:
                prefix = s[:c]
                out.append((prefix, [1] * len(prefix), s[c]))
        return out

    # Validation: 99 uniform negatives on a fixed subset, to keep the best epoch.
    vsub = rng.choice(len(seqs), size=min(3000, len(seqs)), replace=False)
    v_negs = sample_negatives(np.random.default_rng(args.seed + 1), [seqs[i] for i in vsub], n_items)
    best = {"hr": -1.0, "state": None, "epoch": 0}

    def on_epoch(epoch, loss):
        items = all_item_vectors(model, attrs)
        u = user_vectors(model, [valid_in[i] for i in vsub], [[1] * len(valid_in[i]) for i in vsub], attrs, profile)
        true = (u * items[valid_t[vsub]]).sum(1).numpy()
        neg = torch.einsum("bd,bkd->bk", u, items[torch.from_numpy(v_negs)]).numpy()
        hr, ndcg = ranks_metrics(true, neg)
        if hr > best["hr"]:
            best.update(hr=hr, state={k: v.clone() for k, v in model.state_dict().items()}, epoch=epoch)
        progress(epoch, args.epochs, loss=loss, valid_hr10=hr, valid_ndcg10=ndcg)

    train_two_tower(
        model, [], attrs, profile, rng, epochs=args.epochs, batch_size=512, negatives=args.negatives,
        lr=args.lr, on_epoch=on_epoch, example_fn=examples_for_epoch,
    )
    model.load_state_dict(best["state"])
    log(f"{name}: best validation epoch {best['epoch']}")

    items = all_item_vectors(model, attrs)
    u = user_vectors(model, test_in, [[1] * len(s) for s in test_in], attrs, profile)
    true = (u * items[test_t]).sum(1).numpy()
    results = {}
    for kind in ("uniform", "popularity"):
        negs = sample_negatives(np.random.default_rng(args.seed + 2), test_in, n_items, None if kind == "uniform" else pop + 1e-9)
        neg_scores = torch.einsum("bd,bkd->bk", u, items[torch.from_numpy(negs)]).numpy()
        hr, ndcg = ranks_metrics(true, neg_scores)
        pop_hr, pop_ndcg = ranks_metrics(pop[test_t] + 1e-6 * 0, pop[negs])
        results[f"99neg_{kind}"] = {
            "two_tower": {"HR@10": round(hr, 4), "NDCG@10": round(ndcg, 4)},
            "popularity": {"HR@10": round(pop_hr, 4), "NDCG@10": round(pop_ndcg, 4)},
        }
    hr, ndcg = full_ranking(u, items, test_in, test_t)
    pop_hr, pop_ndcg = popularity_full(pop, test_in, test_t)
    results["full_ranking"] = {
        "two_tower": {"HR@10": round(hr, 4), "NDCG@10": round(ndcg, 4)},
        "popularity": {"HR@10": round(pop_hr, 4), "NDCG@10": round(pop_ndcg, 4)},
    }
    summary = {
        "dataset": name,
        "users": len(seqs),
        "items": n_items - 1,
        "interactions": int(sum(map(len, seqs))),
        "protocol": "leave-one-out (last item test, second-to-last validation); 99 negatives the user never "
        "interacted with, uniform or popularity-weighted, fixed seed; full ranking excludes the user's history",
        "settings": {k: getattr(args, k) for k in ("epochs", "dim", "max_len", "cuts", "negatives", "lr", "temperature", "seed", "max_users")},
        "best_epoch": best["epoch"],
        "results": results,
        "published": {k: {"HR@10": v[0], "NDCG@10": v[1]} for k, v in PUBLISHED.get(name, {}).items()},
        "seconds": round(time.time() - started, 1),
    }
    for kind, r in results.items():
        tt, pp = r["two_tower"], r["popularity"]
        log(f"{name} {kind:>19}: two-tower HR@10 {tt['HR@10']:.4f} NDCG@10 {tt['NDCG@10']:.4f} | popularity HR@10 {pp['HR@10']:.4f} NDCG@10 {pp['NDCG@10']:.4f}")
    for k, v in PUBLISHED.get(name, {}).items():
        log(f"{name} published {k}: HR@10 {v[0]:.4f} NDCG@10 {v[1]:.4f} (full user set)")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder with <name>.txt [and <name>_item2attributes.json]")
    parser.add_argument("--dataset", action="append", help="a <name> to evaluate (repeatable); default: all, smallest first")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--max-len", dest="max_len", type=int, default=20)
    parser.add_argument("--cuts", type=int, default=4, help="training prefixes per user per epoch")
    parser.add_argument("--negatives", type=int, default=2048, help="uniform negatives per training batch")
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--temperature", type=float, default=0.07)
    parser.add_argument("--max-users", dest="max_users", type=int, default=0, help="subsample users (stated in the output)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="also write the JSON summaries to this file")
    args = parser.parse_args()

    folder = Path(args.data)
    if not folder.is_dir():
        raise SystemExit(f"--data {folder} is not a folder")
    names = sorted((p.stem for p in folder.glob("*.txt")), key=lambda n: (folder / f"{n}.txt").stat().st_size)
    if args.dataset:
        missing = [n for n in args.dataset if n not in names]
        if missing:
            raise SystemExit(f"no {', '.join(missing)} in {folder} (found: {', '.join(names) or 'none'})")
        names = [n for n in names if n in args.dataset]
    if not names:
        raise SystemExit(f"no <name>.txt sequence files in {folder}")
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    summaries = [evaluate_dataset(n, folder, args) for n in names]
    text = json.dumps(summaries, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(json.dumps(summaries))


if __name__ == "__main__":
    main()
