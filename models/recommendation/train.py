"""Trains the served recommendation models from an interaction log and exports them for the subgraph.

    npm run train -- recommendation                       (the demo world, exported by export-data.ts)
    npm run train -- recommendation --data <folder> --dataset Beauty [--holdout-users] [--out <registry dir>]
    npm run train -- recommendation --data events.ndjson [--holdout-users] [--out <registry dir>]

--data: a demo-world export (items.csv, events.csv), an amazon_seqrec folder (`<name>.txt`, optional
`<name>_item2attributes.json`; --dataset picks the name) or `<name>.txt` file, or NDJSON events
({"user","item","type","time"} per line). Read in place (see data.py). --out is the registry folder's
`recommendation/` (train.ts passes `<registry>/recommendation`): the model folders are written beside it.

Writes (into the registry folder):
- rec-user-tower: the sequence model (SASRec with attribute side features, seqrec.py) reading a user's recent
  events -> user_vector [batch, 64], unnormalised;
- rec-item-tower: item id (0 = unknown / new item) + attributes -> item_vector [batch, 64], unnormalised;
  score = user_vector . item_vector (inner product, the trained softmax logit);
- rec-ranker (demo world only): the ESMM ranker over user, item, cross and context features. A real log has no
  impressions, so no ranker is trained on it (vocab.json says `"ranker": false`);
- recommendation/vocab.json (item and attribute vocabularies, the held-out rule) and metrics.json.

--holdout-users: users with fnv1a32(user id) % 5 == 0 are never trained on (the TypeScript eval scores them).
Early stopping and every design choice use TRAINING users only: a slice of them ((fnv1a32 // 5) % 10 == 0)
keeps its last item (demo world: every user's last session) as the validation target.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

# One thread: on the shared 2-core box, two OpenMP threads plus OpenBLAS's own pthreads spin and cost 5-8x
# the CPU time of one thread for this model's small matrices (measured: 16 s vs ~150 s per Beauty epoch).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/, for `common`
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import InputSpec, Timer, export_onnx, log, progress, set_seed  # noqa: E402
from data import HOLDOUT_RULE, VALIDATION_RULE, Log, fnv1a32, holdout_user, read_log, validation_user  # noqa: E402
from features import TYPE_IDS  # noqa: E402
from seqrec import (  # noqa: E402
    Encoded,
    ItemTowerExport,
    SeqConfig,
    SeqRec,
    UserTowerExport,
    catalogue_item_vectors,
    full_ranks,
    rank_metrics,
    train_seqrec,
    user_vectors,
)

VERSION = "2.0.0"
RANKER_VERSION = "1.1.0"


class Space:
    """Catalogue rows: 1..known are the model's items (its vocabulary), known+1..C items it never trained on
    (attribute-only vectors, id 0 at serving). Attributes are mapped through the attribute vocabulary."""

    def __init__(self, log_: Log, trained_items, all_items, attr_names) -> None:
        self.items = list(trained_items) + [i for i in all_items if i not in set(trained_items)]
        self.known = len(trained_items)
        self.row = {item: r + 1 for r, item in enumerate(self.items)}
        self.attr_names = list(attr_names)
        self.attr_index = {a: i + 1 for i, a in enumerate(self.attr_names)}
        slots = log_.attr_slots
        self.attrs = np.zeros((len(self.items) + 1, slots), np.int64)
        for item, r in self.row.items():
            names = log_.item_attributes.get(item, [])[:slots]
            self.attrs[r, : len(names)] = [self.attr_index.get(a, 0) for a in names]


def build_space(log_: Log, train_users: np.ndarray, cut: list, drop_items=frozenset()) -> Space:
    """Vocabulary = items in the training users' training part (minus `drop_items`), attributes of those items."""
    seen = {}
    for u in np.where(train_users)[0]:
        for item in log_.items[u][: cut[u]]:
            if item not in drop_items:
                seen.setdefault(item, None)
    if log_.source == "demo":
        order = [i for i in log_.frames[0]["item_id"].tolist() if i in seen]
    elif log_.source == "amazon_seqrec":
        order = sorted(seen, key=int)
    else:
        order = sorted(seen)
    catalogue = dict.fromkeys(order)
    if log_.source == "demo":
        catalogue.update(dict.fromkeys(log_.frames[0]["item_id"].tolist()))
    for s in log_.items:
        catalogue.update(dict.fromkeys(s))
    catalogue.update(dict.fromkeys(log_.item_attributes))
    if log_.source == "amazon_seqrec":
        extra = sorted((i for i in catalogue if i not in seen), key=int)
    else:
        extra = [i for i in catalogue if i not in seen]
    attr_names = sorted({a for item in order for a in log_.item_attributes.get(item, [])[: log_.attr_slots]})
    return Space(log_, order, extra, attr_names)


def encode(space: Space, log_: Log, users, cut: list, drop_items=frozenset()) -> Encoded:
    items, types = [], []
    for u in users:
        pairs = [(space.row[i], t) for i, t in zip(log_.items[u][: cut[u]], log_.types[u][: cut[u]]) if i not in drop_items]
        items.append(np.array([p[0] for p in pairs], np.int64))
        types.append(np.array([p[1] for p in pairs], np.int64))
    return Encoded(items, types)


def fit(args, log_: Log, space: Space, train: Encoded, valid: dict, label: str):
    """Trains one SeqRec; validation = full-ranking NDCG@10 on the validation users (training users only)."""
    cfg = SeqConfig(
        n_items=space.known + 1,
        n_attrs=len(space.attr_names) + 1,
        attr_slots=log_.attr_slots,
        max_len=args.max_len,
        dim=args.dim,
        blocks=args.blocks,
        heads=args.heads,
        dropout=args.dropout,
        id_dropout=args.id_dropout,
        temperature=args.temperature,
    )
    model = SeqRec(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    windows = sum(max(1, -(-(len(s) - 1) // cfg.max_len)) for s in train.items)
    log(f"{label}: {len(train.items)} training sequences ({windows} windows), {space.known} items, "
        f"{len(space.attr_names)} attributes, {n_params / 1e6:.2f} M parameters; {len(valid['targets'])} validation targets")
    rng = np.random.default_rng(args.seed)

    def validate(_epoch):
        return evaluate(model, space, valid)["NDCG@10"]

    def on_epoch(epoch, loss, score, seconds):
        progress(epoch, args.epochs, loss=loss, valid_ndcg10=score, seconds=seconds)

    with Timer(f"{label} training"):
        info = train_seqrec(
            model, train, space.attrs, rng, epochs=args.epochs, validate=validate, batch_size=args.batch_size, lr=args.lr,
            negatives=args.negatives, patience=args.patience, time_budget=args.time_budget, on_epoch=on_epoch,
        )
    log(f"{label}: best validation epoch {info['best_epoch']} of {info['epochs_run']} ({info['stopped']}), "
        f"median epoch {info['epoch_seconds']} s, validation NDCG@10 {info['best_score']:.4f}")
    return model, info


def evaluate(model: SeqRec, space: Space, valid: dict, exclude_history: bool = True) -> dict:
    if len(valid["targets"]) == 0:
        return {"HR@10": 0.0, "NDCG@10": 0.0}
    items = catalogue_item_vectors(model, space.attrs, space.known)
    u = user_vectors(model, valid["items"], valid["types"], space.attrs, space.known)
    hist = valid["items"] if exclude_history else [[] for _ in valid["items"]]
    ranks = full_ranks(u, items, hist, valid["targets"])
    return rank_metrics(ranks, (10, 100))


def validation_set(space: Space, log_: Log, users, tails: list) -> dict:
    """Input = events before the tail, target = the tail's first item (a different item than the last input)."""
    items, types, targets = [], [], []
    for u in users:
        t = tails[u]
        if t is None or t < 1:
            continue
        target = log_.items[u][t]
        items.append(np.array([space.row[i] for i in log_.items[u][:t]], np.int64))
        types.append(np.array(log_.types[u][:t], np.int64))
        targets.append(space.row[target])
    return {"items": items, "types": types, "targets": np.array(targets, np.int64)}


def popularity_validation(space: Space, train: Encoded, valid: dict) -> dict:
    pop = np.zeros(len(space.attrs))
    for s in train.items:
        np.add.at(pop, s, 1.0)
    pop[0] = -np.inf
    u = torch.ones((len(valid["targets"]), 1), dtype=torch.float64)
    ranks = full_ranks(u, torch.from_numpy(pop).unsqueeze(1), valid["items"], valid["targets"])
    return rank_metrics(ranks, (10, 100))


def cold_start(args, log_: Log, train_users: np.ndarray, cut: list) -> dict:
    """Simulated cold start: 10 % of the training items (fnv1a32(item) % 10 == 3) lose every interaction from
    training and are scored by their attribute-only vector (id 0). Test: transitions of training users into such
    an item (a different item than the previous event), input = every earlier event (earlier new items as id 0 +
    attributes); recall@100 = the new item is in the top 100 of ALL items, history excluded."""
    full_space = build_space(log_, train_users, cut)
    cold = frozenset(i for i in full_space.items[: full_space.known] if fnv1a32(i) % 10 == 3)
    space = build_space(log_, train_users, cut, drop_items=cold)
    users = np.where(train_users)[0]
    train = encode(space, log_, users, cut, drop_items=cold)
    valid_users = [u for u in users if validation_user(log_.users[u])] if log_.source != "demo" else list(users)
    valid = validation_set(space, log_, valid_users, cut_tails(log_, valid_users))
    model, info = fit(args, log_, space, train, valid, "cold-start simulation")
    rng = np.random.default_rng(args.seed + 3)
    cases = []
    for u in users:
        seq = log_.items[u][: cut[u]]
        for t in range(1, len(seq)):
            if seq[t] in cold and seq[t] != seq[t - 1]:
                cases.append((u, t))
    if len(cases) > args.cold_cases:
        cases = [cases[i] for i in np.sort(rng.choice(len(cases), size=args.cold_cases, replace=False))]
    test = {
        "items": [np.array([space.row[i] for i in log_.items[u][:t]], np.int64) for u, t in cases],
        "types": [np.array(log_.types[u][:t], np.int64) for u, t in cases],
        "targets": np.array([space.row[log_.items[u][t]] for u, t in cases], np.int64),
    }
    items = catalogue_item_vectors(model, space.attrs, space.known)
    uv = user_vectors(model, test["items"], test["types"], space.attrs, space.known)
    ranks = full_ranks(uv, items, test["items"], test["targets"])
    cold_rows = np.array(sorted(space.row[i] for i in cold), np.int64)
    # Rank among the new items only (how well the attribute vectors order new items against each other).
    position = {int(r): k + 1 for k, r in enumerate(cold_rows)}
    sub = torch.cat([torch.zeros((1, items.shape[1])), items[torch.from_numpy(cold_rows)]])
    among = full_ranks(
        uv,
        sub,
        [np.array([position[int(r)] for r in h if int(r) in position], np.int64) for h in test["items"]],
        np.array([position[int(r)] for r in test["targets"]], np.int64),
    )
    n_catalogue = len(space.attrs) - 1
    out = {
        "new_items": len(cold),
        "catalogue": n_catalogue,
        "cases": len(cases),
        "recall@100_all_items": float((ranks < 100).mean()) if len(ranks) else 0.0,
        "recall@10_all_items": float((ranks < 10).mean()) if len(ranks) else 0.0,
        "random_recall@100_all_items": 100.0 / n_catalogue,
        "recall@100_among_new_items": float((among < 100).mean()) if len(among) else 0.0,
        "random_recall@100_among_new_items": min(1.0, 100.0 / max(1, len(cold))),
        "best_epoch": info["best_epoch"],
    }
    log("cold start: " + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()))
    return out


def cut_tails(log_: Log, users) -> list:
    tails = [None] * len(log_.users)
    for u in users:
        tails[u] = log_.tail_start[u]
    return tails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="demo export folder, amazon_seqrec folder or .txt, or .ndjson")
    parser.add_argument("--dataset", help="<name> of an amazon_seqrec folder with several .txt files")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent), help="<registry>/recommendation")
    parser.add_argument("--holdout-users", dest="holdout_users", action="store_true",
                        help="never train on users with fnv1a32(user id) %% 5 == 0 (the eval's held-out users)")
    parser.add_argument("--epochs", type=int, default=200, help="upper bound; early stopping and --time-budget decide")
    parser.add_argument("--time-budget", dest="time_budget", type=float, default=1200.0, help="seconds per model")
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--batch-size", dest="batch_size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--negatives", type=int, default=1024,
                        help="items per softmax: the target + this many uniformly drawn items; 0 = every item (full softmax)")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--heads", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--id-dropout", dest="id_dropout", type=float, default=0.1)
    parser.add_argument("--temperature", type=float, default=0.0,
                        help="> 0: unit user and item vectors, logits = cosine / temperature; 0: raw inner products")
    parser.add_argument("--max-len", dest="max_len", type=int, default=50)
    parser.add_argument("--cold-start-eval", dest="cold_start_eval", choices=["auto", "yes", "no", "only"], default="auto",
                        help="train a second model without 10 %% of the items to measure cold start (auto: demo world only; "
                        "only: that model alone, figures to <out>/cold-start.json)")
    parser.add_argument("--cold-cases", dest="cold_cases", type=int, default=5000)
    parser.add_argument("--ranker-epochs", dest="ranker_epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    set_seed(args.seed)
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models_dir = out.parent
    started = time.time()

    log_ = read_log(args.data, args.dataset)
    log(log_.stats())
    n_users = len(log_.users)
    held = np.array([args.holdout_users and holdout_user(u) for u in log_.users])
    train_users = ~held
    if log_.source == "demo":
        # The demo world keeps every user's last session for validation (first item viewed in it).
        valid_users = [u for u in range(n_users) if train_users[u]]
    else:
        valid_users = [u for u in range(n_users) if train_users[u] and validation_user(log_.users[u])]
    tails = cut_tails(log_, valid_users)
    cut = [len(s) if tails[u] is None else tails[u] for u, s in enumerate(log_.items)]
    log(f"users: {int(train_users.sum())} training ({len(valid_users)} of them keep a validation tail), "
        f"{int(held.sum())} held out ({HOLDOUT_RULE if args.holdout_users else 'none: --holdout-users not given'})")

    if args.cold_start_eval == "only":
        # The simulation alone (writes nothing but its figures): a quicker way to measure cold start.
        figures = cold_start(args, log_, train_users, cut)
        (out / "cold-start.json").write_text(json.dumps(figures, indent=2) + "\n")
        log(f"wrote {out / 'cold-start.json'}")
        return
    space = build_space(log_, train_users, cut)
    train = encode(space, log_, np.where(train_users)[0], cut)
    valid = validation_set(space, log_, valid_users, tails)
    model, info = fit(args, log_, space, train, valid, "sequence model")
    figures = evaluate(model, space, valid)
    pop = popularity_validation(space, train, valid)
    log(f"validation (training users' tails, full ranking, history excluded): SASRec {figures}, popularity {pop}")
    metrics = {
        "valid_hr10": figures["HR@10"],
        "valid_ndcg10": figures["NDCG@10"],
        "valid_hr100": figures["HR@100"],
        "valid_popularity_hr10": pop["HR@10"],
        "valid_popularity_ndcg10": pop["NDCG@10"],
    }
    if log_.source == "demo":
        raw = evaluate(model, space, valid, exclude_history=False)
        metrics["valid_hr10_history_kept"] = raw["HR@10"]
        metrics["valid_ndcg10_history_kept"] = raw["NDCG@10"]
        log(f"demo world, history not excluded (the 1.x card's protocol): {raw}")

    cold = None
    if args.cold_start_eval == "yes" or (args.cold_start_eval == "auto" and log_.source == "demo"):
        cold = cold_start(args, log_, train_users, cut)
        metrics["cold_recall100"] = cold["recall@100_all_items"]
        metrics["cold_recall100_random"] = cold["random_recall@100_all_items"]
        metrics["cold_recall100_among_new"] = cold["recall@100_among_new_items"]

    settings = {
        "kind": "sequence",
        "attrSlots": log_.attr_slots,
        "maxLen": args.max_len,
        "dim": args.dim,
        "metric": "ip",
        "normalized": args.temperature > 0,
        "temperature": args.temperature,
        "source": log_.source,
        "dataset": log_.dataset,
        "holdoutRule": HOLDOUT_RULE,
        "holdoutApplied": bool(args.holdout_users),
        "heldOutUsers": int(held.sum()),
        "trainUsers": int(train_users.sum()),
        "validationRule": VALIDATION_RULE if log_.source != "demo" else "every user's last session",
        "bestEpoch": int(info["best_epoch"]),
        "epochsRun": int(info["epochs_run"]),
        "epochSeconds": float(info["epoch_seconds"]),
        "ranker": log_.source == "demo",
    }
    if log_.default_type is not None:
        settings["defaultTypeId"] = log_.default_type
    export(args, model, space, valid, models_dir, metrics, settings, log_)

    ranker_metrics = {}
    if log_.source == "demo":
        from ranker import train_ranker

        ranker_metrics = train_ranker(args, log_, space, models_dir, RANKER_VERSION)
    else:
        stale = models_dir / "rec-ranker" / "model.json"
        note = f" ({stale} is left as it was: it was trained on the demo world)" if stale.exists() else ""
        log(f"no ranker: a {log_.source} log has no impressions to learn clicks from{note}")

    vocab = {
        "version": VERSION,
        "kind": "sequence",
        "source": log_.source,
        "dataset": log_.dataset,
        "items": space.items[: space.known],
        "attributes": space.attr_names,
        "attrSlots": log_.attr_slots,
        "attributeScheme": log_.attribute_scheme,
        "maxLen": args.max_len,
        "dim": args.dim,
        "metric": "ip",
        "normalized": args.temperature > 0,
        "typeIds": TYPE_IDS,
        "defaultTypeId": log_.default_type,
        "profileFeatures": [],
        "rankerFeatures": ranker_metrics.get("features", []),
        "ranker": log_.source == "demo",
        "holdout": {
            "rule": HOLDOUT_RULE,
            "applied": bool(args.holdout_users),
            "heldOutUsers": int(held.sum()),
            "trainUsers": int(train_users.sum()),
        },
    }
    (out / "vocab.json").write_text(json.dumps(vocab) + "\n")
    metrics.update({k: v for k, v in ranker_metrics.items() if k != "features"})
    summary = {k: round(v, 4) for k, v in metrics.items()}
    summary["epoch_seconds"] = info["epoch_seconds"]
    summary["best_epoch"] = info["best_epoch"]
    if cold is not None:
        summary["cold_start"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in cold.items()}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    log(f"wrote {out / 'vocab.json'} and {out / 'metrics.json'} in {time.time() - started:.0f} s")


def export(args, model: SeqRec, space: Space, valid: dict, models_dir: Path, metrics: dict, settings: dict, log_: Log):
    model.eval()
    n_ex, length = 8, 12
    rows = [s for s in valid["items"][:n_ex]]
    types = [t for t in valid["types"][:n_ex]]
    while len(rows) < n_ex:
        rows.append(np.array([1, 2], np.int64))
        types.append(np.array([1, 1], np.int64))
    rows[0], types[0] = rows[0][:0], types[0][:0]  # a user without events
    cat = torch.from_numpy(np.stack([np.pad(r[-length:], (length - len(r[-length:]), 0)) for r in rows]))
    tps = torch.from_numpy(np.stack([np.pad(t[-length:], (length - len(t[-length:]), 0)) for t in types]))
    if space.known < len(space.items):
        cat[1, -1] = space.known + 1  # an item the model never saw: id 0 with its attributes
    ids = torch.where(cat <= space.known, cat, torch.zeros_like(cat))
    attrs = torch.from_numpy(space.attrs)[cat]
    n_items, n_attrs = space.known + 1, len(space.attr_names) + 1
    desc_src = f"{log_.source} {log_.dataset}"
    user = export_onnx(
        UserTowerExport(model),
        [
            InputSpec("seq_item_ids", ids, vocabulary_size=n_items, dynamic={1: "seq"}),
            InputSpec("seq_attr_ids", attrs, vocabulary_size=n_attrs, dynamic={1: "seq"}),
            InputSpec("seq_type_ids", tps, vocabulary_size=5, dynamic={1: "seq"}),
        ],
        ["user_vector"],
        models_dir / "rec-user-tower",
        "rec-user-tower",
        VERSION,
        description=f"Sequence model (SASRec, {args.blocks} blocks, attribute side features, full-softmax CE) over the last "
        f"{args.max_len} events (item, attributes, type; most recent last, left padding) -> {args.dim}-d user vector, "
        f"unnormalised; score = inner product with rec-item-tower's vector. Trained on {desc_src}.",
        metrics=metrics,
    )
    example_ids = torch.arange(1, n_ex + 1).clamp(max=space.known).unsqueeze(1)
    example_ids[0, 0] = 0  # a new item: attributes only
    item = export_onnx(
        ItemTowerExport(model),
        [
            InputSpec("item_ids", example_ids, vocabulary_size=n_items),
            InputSpec("attr_ids", torch.from_numpy(space.attrs[1 : n_ex + 1]), vocabulary_size=n_attrs),
        ],
        ["item_vector"],
        models_dir / "rec-item-tower",
        "rec-item-tower",
        VERSION,
        description=f"Item side of the sequence model: item id (0 = new item) + {log_.attr_slots} attribute ids -> "
        f"{args.dim}-d item vector, unnormalised (the softmax's output embedding). Trained on {desc_src}.",
        metrics={k: v for k, v in metrics.items() if k.startswith("cold")},
    )
    for name, spec in (("rec-user-tower", user), ("rec-item-tower", item)):
        pin_output_width(models_dir / name, spec, args.dim)
        spec["kind"] = "sequence"
        spec["settings"] = settings
        (models_dir / name / "model.json").write_text(json.dumps(spec, indent=2) + "\n")
    check_lengths(model, models_dir / "rec-user-tower", ids, attrs, tps)


def pin_output_width(folder: Path, spec: dict, dim: int) -> None:
    """torch names the vector width of a `where` output symbolically (e.g. "Whereuser_vector_dim_1"), which the
    serving registry refuses against the session's [batch, dim]: pin axis 1 of every output to `dim` in the ONNX
    file and in model.json (sha256 recomputed)."""
    import hashlib

    import onnx

    path = folder / spec["file"]
    graph_model = onnx.load(str(path))
    for output in graph_model.graph.output:
        dims = output.type.tensor_type.shape.dim
        if len(dims) == 2 and dims[1].dim_param:
            dims[1].ClearField("dim_param")
            dims[1].dim_value = dim
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, str(path))
    spec["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    for output in spec["outputs"]:
        output["shape"] = ["batch", dim]


def check_lengths(model: SeqRec, folder: Path, ids, attrs, tps) -> None:
    """onnxruntime matches torch at sequence lengths other than the export's (1, 50 and 60 > maxLen)."""
    import shutil
    import subprocess
    import tempfile

    node = shutil.which("node")
    if node is None:
        log("warning: node not found; dynamic sequence lengths not checked")
        return
    repo = Path(__file__).resolve().parents[2]
    for length in (1, 50, 60):
        reps = -(-length // ids.shape[1])
        i = ids.repeat(1, reps)[:, -length:]
        a = attrs.repeat(1, reps, 1)[:, -length:]
        t = tps.repeat(1, reps)[:, -length:]
        with torch.no_grad():
            expected = model.user_vector(i, a, t)
        parity = {
            "tolerance": 1e-4,
            "inputs": {
                "seq_item_ids": {"dtype": "int64", "dims": list(i.shape), "data": i.reshape(-1).tolist()},
                "seq_attr_ids": {"dtype": "int64", "dims": list(a.shape), "data": a.reshape(-1).tolist()},
                "seq_type_ids": {"dtype": "int64", "dims": list(t.shape), "data": t.reshape(-1).tolist()},
            },
            "outputs": {"user_vector": {"dims": list(expected.shape), "data": expected.reshape(-1).tolist()}},
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(parity, f)
        result = subprocess.run([node, str(repo / "models/common/parity.mjs"), str(folder / "rec-user-tower.onnx"), f.name],
                                capture_output=True, text=True)
        os.unlink(f.name)
        if result.returncode != 0:
            raise RuntimeError(f"sequence length {length}: onnxruntime differs from torch:\n{result.stdout}{result.stderr}")
        log(f"sequence length {length}: {result.stdout.strip()}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--pin-output-width":
        # Repairs a registry exported before pin_output_width existed: train.py --pin-output-width <registry>
        for tower in ("rec-user-tower", "rec-item-tower"):
            folder = Path(sys.argv[2]) / tower
            spec = json.loads((folder / "model.json").read_text())
            pin_output_width(folder, spec, int(spec["settings"]["dim"]))
            (folder / "model.json").write_text(json.dumps(spec, indent=2) + "\n")
            log(f"{folder}: outputs pinned to [batch, {spec['settings']['dim']}], sha256 {spec['sha256'][:12]}…")
    else:
        main()
