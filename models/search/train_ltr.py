"""Learning to rank for search: gradient-boosted trees (XGBoost rank:ndcg) over feature rows that the
TypeScript serving code wrote (models/search/ltr.ts → ltrFeatureRows), exported as one ONNX
TreeEnsembleRegressor that onnxruntime-node runs once per search over its candidates.

    OMP_NUM_THREADS=1 /usr/bin/python3 models/search/train_ltr.py --data <rows dir> --out <registry>/search-ranker \
        --semantic-weight 0.25 [--seed 7] [--trained-on name]

<rows dir> holds rows.f32 (float32, rows x features, row-major) and meta.json (features, group sizes, query ids,
grades, fallbackRank = each candidate's rank in the fused order served without the model, idealDcg = the
query's ideal DCG@10 over ALL its judged products, so NDCG@10 here is the full-corpus figure).

Protocol, on the given queries only: a 3-fold inner cross-validation by query (seeded) chooses the tree depth
and count by mean full-corpus NDCG@10, and decides the gate: the model is enabled only if that figure beats the
fallback order's on the same folds beyond noise (the 5th percentile of a paired bootstrap over queries of the
per-query difference is above zero). The served model is then refitted on all the queries with those settings.
Writes search-ranker.onnx, model.json (with the serving settings) and parity.json into --out.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import xgboost as xgb
from onnx import TensorProto, helper

REPO = Path(__file__).resolve().parents[2]
NAME = "search-ranker"
VERSION = "3.0.0"
PARAMS = {
    "objective": "rank:ndcg",
    "eval_metric": "ndcg@10",
    "eta": 0.05,
    "min_child_weight": 1.0,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "lambda": 1.0,
    "tree_method": "hist",
    "nthread": 1,
}
INNER_FOLDS = 3
DEPTHS = [3, 6]
ROUNDS = [25, 50, 100, 200, 400]


def log(message: str) -> None:
    print(f"[train_ltr] {message}", file=sys.stderr, flush=True)


def inner_fold(query_id: str, seed: int) -> int:
    digest = hashlib.sha256(f"search-ltr-inner:{seed}:{query_id}".encode()).digest()
    return digest[0] % INNER_FOLDS


def dmatrix(x, grades, sizes):
    m = xgb.DMatrix(x, label=grades)
    m.set_group(sizes)
    return m


def ndcg_per_query(scores, grades, sizes, ideal):
    """Full-corpus NDCG@10 per query: the top 10 candidates by score (ties by position), ideal over all judged."""
    out, start = [], 0
    for size, best in zip(sizes, ideal):
        s = scores[start : start + size]
        g = grades[start : start + size]
        order = np.lexsort((np.arange(size), -s))[:10]
        dcg = float(np.sum((2.0 ** g[order] - 1) / np.log2(np.arange(2, len(order) + 2))))
        out.append(dcg / best if best > 0 else 0.0)
        start += size
    return out


def bootstrap_lower(diff, seed: int, level: float = 0.05, resamples: int = 2000) -> float:
    """The `level` quantile of the mean of `diff` over query resamples (a one-sided paired bootstrap bound)."""
    rng = np.random.default_rng(seed)
    diff = np.asarray(diff)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    return float(np.quantile(means, level))


def to_onnx(booster: xgb.Booster, width: int, base_score: float) -> onnx.ModelProto:
    """One ai.onnx.ml TreeEnsembleRegressor from the booster's JSON dump (x < split → yes = BRANCH_LT)."""
    attrs = {k: [] for k in ["treeids", "nodeids", "featureids", "values", "modes", "true", "false", "missing"]}
    targets = {k: [] for k in ["treeids", "nodeids", "ids", "weights"]}
    for tree_id, text in enumerate(booster.get_dump(dump_format="json")):
        stack = [json.loads(text)]
        while stack:
            node = stack.pop()
            attrs["treeids"].append(tree_id)
            attrs["nodeids"].append(node["nodeid"])
            if "leaf" in node:
                attrs["featureids"].append(0)
                attrs["values"].append(0.0)
                attrs["modes"].append("LEAF")
                attrs["true"].append(0)
                attrs["false"].append(0)
                attrs["missing"].append(0)
                targets["treeids"].append(tree_id)
                targets["nodeids"].append(node["nodeid"])
                targets["ids"].append(0)
                targets["weights"].append(float(node["leaf"]))
                continue
            attrs["featureids"].append(int(node["split"][1:]))
            attrs["values"].append(float(node["split_condition"]))
            attrs["modes"].append("BRANCH_LT")
            attrs["true"].append(node["yes"])
            attrs["false"].append(node["no"])
            attrs["missing"].append(1 if node["missing"] == node["yes"] else 0)
            stack.extend(node["children"])
    tree = helper.make_node(
        "TreeEnsembleRegressor",
        ["features"],
        ["score"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[base_score],
        nodes_treeids=attrs["treeids"],
        nodes_nodeids=attrs["nodeids"],
        nodes_featureids=attrs["featureids"],
        nodes_values=attrs["values"],
        nodes_modes=attrs["modes"],
        nodes_truenodeids=attrs["true"],
        nodes_falsenodeids=attrs["false"],
        nodes_missing_value_tracks_true=attrs["missing"],
        target_treeids=targets["treeids"],
        target_nodeids=targets["nodeids"],
        target_ids=targets["ids"],
        target_weights=targets["weights"],
    )
    graph = helper.make_graph(
        [tree],
        NAME,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", width])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", 1])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--semantic-weight", type=float, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--trained-on", default="")
    args = parser.parse_args()
    data, out = Path(args.data), Path(args.out)
    meta = json.loads((data / "meta.json").read_text())
    features = meta["features"]
    x = np.fromfile(data / "rows.f32", dtype=np.float32).reshape(-1, len(features))
    grades = np.asarray(meta["grades"], dtype=np.float32)
    fallback = np.asarray(meta["fallbackRank"], dtype=np.float32)
    sizes, queries, ideal = meta["groups"], meta["queries"], meta["idealDcg"]
    if x.shape[0] != sum(sizes) or len(grades) != x.shape[0]:
        raise SystemExit(f"rows {x.shape[0]}, grades {len(grades)}, groups sum {sum(sizes)} differ")
    log(f"{len(sizes)} queries, {x.shape[0]} candidate rows, {len(features)} features")

    # Inner cross-validation over the given queries (folds seeded by query id) chooses the tree depth and count,
    # and decides the gate: the model is enabled only if its mean full-corpus NDCG@10 beats the fallback order's.
    starts = np.cumsum([0] + sizes[:-1])
    fold_of = [inner_fold(q, args.seed) for q in queries]
    if len(queries) < 3 * INNER_FOLDS:
        raise SystemExit(f"too few judged queries to train a ranker ({len(queries)})")

    def take(indices):
        rows = np.concatenate([np.arange(starts[i], starts[i] + sizes[i]) for i in indices])
        return rows, [sizes[i] for i in indices], [ideal[i] for i in indices]

    per_query = {(d, r): [] for d in DEPTHS for r in ROUNDS}
    fallback_per_query = []
    for k in range(INNER_FOLDS):
        fit_rows, fit_sizes, _ = take([i for i in range(len(queries)) if fold_of[i] != k])
        held = [i for i in range(len(queries)) if fold_of[i] == k]
        held_rows, held_sizes, held_ideal = take(held)
        dheld = xgb.DMatrix(x[held_rows])
        fallback_per_query += ndcg_per_query(-fallback[held_rows], grades[held_rows], held_sizes, held_ideal)
        for depth in DEPTHS:
            booster = xgb.train(
                {**PARAMS, "max_depth": depth, "seed": args.seed},
                dmatrix(x[fit_rows], grades[fit_rows], fit_sizes),
                num_boost_round=max(ROUNDS),
                verbose_eval=False,
            )
            for r in ROUNDS:
                scores = booster.predict(dheld, iteration_range=(0, r))
                per_query[(depth, r)] += ndcg_per_query(scores, grades[held_rows], held_sizes, held_ideal)
    (depth, rounds), best = max(per_query.items(), key=lambda kv: np.mean(kv[1]))
    model_valid, fallback_valid = float(np.mean(best)), float(np.mean(fallback_per_query))
    # The gate: serve the model only when it beats the fallback order on the inner folds beyond noise (the 5th
    # percentile of the paired bootstrap of the per-query difference is above 0), not on a lucky mean.
    lower = bootstrap_lower(np.asarray(best) - np.asarray(fallback_per_query), args.seed)
    enabled = bool(lower > 0)
    log(
        "inner CV NDCG@10 (full corpus) by depth/trees: "
        + ", ".join(f"{d}/{r} {np.mean(v):.4f}" for (d, r), v in per_query.items())
        + f"; fallback order {fallback_valid:.4f}"
    )
    log(
        f"chose depth {depth}, {rounds} trees: {model_valid:.4f}, gain over the fallback {model_valid - fallback_valid:+.4f} "
        f"(bootstrap 5th percentile {lower:+.4f}) → ranker {'enabled' if enabled else 'DISABLED (fallback order served)'}"
    )
    params = {**PARAMS, "max_depth": depth, "seed": args.seed}
    valid_q = queries

    final = xgb.train(params, dmatrix(x, grades, sizes), num_boost_round=rounds, verbose_eval=False)
    base_score = float(json.loads(final.save_config())["learner"]["learner_model_param"]["base_score"])
    model = to_onnx(final, len(features), base_score)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / f"{NAME}.onnx"
    onnx.save(model, str(onnx_path))

    # Parity: onnxruntime-node must give the booster's margins on a sample of rows.
    rng = np.random.default_rng(args.seed)
    sample = x[rng.choice(x.shape[0], size=min(64, x.shape[0]), replace=False)]
    expected = final.predict(xgb.DMatrix(sample), output_margin=True).astype(np.float32).reshape(-1, 1)
    parity = {
        "tolerance": 1e-4,
        "inputs": {"features": {"dtype": "float32", "dims": list(sample.shape), "data": sample.reshape(-1).tolist()}},
        "outputs": {"score": {"dims": list(expected.shape), "data": expected.reshape(-1).tolist()}},
    }
    (out / "parity.json").write_text(json.dumps(parity) + "\n")
    node = shutil.which("node")
    if node is not None:
        check = subprocess.run(
            [node, str(REPO / "models/common/parity.mjs"), str(onnx_path), str(out / "parity.json")],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise SystemExit(f"onnxruntime differs from xgboost:\n{check.stdout}{check.stderr}")
        log(f"parity: {check.stdout.strip()}")

    spec = {
        "name": NAME,
        "version": VERSION,
        "file": onnx_path.name,
        "sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "opset": 17,
        "inputs": [{"name": "features", "dtype": "float32", "shape": ["batch", len(features)], "features": features}],
        "outputs": [{"name": "score", "dtype": "float32", "shape": ["batch", 1]}],
        "description": (
            f"Search ranker: XGBoost {xgb.__version__} rank:ndcg, {rounds} trees of depth ≤ {depth} "
            f"over {len(features)} features of (query, candidate), one TreeEnsembleRegressor run per search. "
            f"Trained on {args.trained_on or 'the given judgements'} ({len(queries)} queries)."
        ),
        "metrics": {
            "inner_cv_queries": len(valid_q),
            "inner_cv_ndcg10_full_corpus": round(model_valid, 6),
            "inner_cv_ndcg10_fallback_order": round(fallback_valid, 6),
            "inner_cv_gain_bootstrap_p05": round(lower, 6),
            "trees": rounds,
        },
        "settings": {"semanticWeight": args.semantic_weight, "enabled": enabled, "trainedOn": args.trained_on},
        "trainedAt": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    (out / "model.json").write_text(json.dumps(spec, indent=2) + "\n")
    log(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1024:.0f} KiB) and model.json")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
