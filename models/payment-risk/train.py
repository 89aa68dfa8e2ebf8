"""Trains the served payment-risk model, on the demo world's synthetic payments (default) or on a real fraud table.

    /usr/bin/python3 models/payment-risk/train.py [--data <dir>] [--out models/payment-risk]

--data is a folder with payments.csv (rows already through the serving code's features), or a real fraud
table (Fraud_Data.csv format: export-data.ts --table maps its columns to what `assessPayment` knows and
replays it causally through the subgraph's velocity store and feature code, see fraud-table.ts); without
either (an empty folder, or no --data) export-data.ts writes the synthetic history first.
Split: synthetic: time-ordered, first 70 % train, next 10 % validation (early stopping), last 20 % test.
Real table: by user (the `bucket` column, a hash of user_id): 70 % train, 15 % validation, 15 % internal
test, all across the whole period (the held-out rows of `npm run eval` are drawn the same way).
Training rows are duplicated (10 %) with the velocity features zeroed and velocity_available = 0, so the
model also answers sensibly when Redis is down (the degraded mode). Writes payment-risk.onnx (inputs:
features [batch, F] float32; outputs: probability, logit [batch, 1] and contributions [batch, F]),
model.json and parity.json (through models/common's export_onnx, which checks onnxruntime against torch),
and metrics.json (held-out metrics vs a logistic baseline, the threshold trade-off table, printed too).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # models/, for `common` (the ML platform's export helper)
sys.path.insert(0, HERE)
from common import InputSpec, OutputSpec, export_onnx  # noqa: E402
from nam import fit, metrics, predict  # noqa: E402

VERSION = "1.0.0"
VELOCITY_FEATURES = [
    "user_count_1h", "user_count_24h", "user_count_7d", "user_sum_24h_log", "amount_vs_user_avg",
    "card_count_1h", "card_count_24h", "card_sum_24h_log", "device_count_1h", "device_count_24h",
    "ip_count_1h", "ip_count_24h", "email_domain_count_1h", "devices_per_account", "accounts_per_device",
    "accounts_per_card", "accounts_per_ip",
]


def export_data(out_dir: str, table: str | None = None) -> None:
    repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    extra = [] if table is None else ["--table", os.path.abspath(table)]
    subprocess.run(
        ["npx", "tsx", "--conditions=aisle-source", "models/payment-risk/export-data.ts", "--out", out_dir, *extra],
        cwd=repo, check=True,
    )


def has_table(data_dir: str) -> bool:
    """A folder holding a real fraud table (a CSV with user_id, signup_time, purchase_time, ... class)."""
    import glob

    for path in glob.glob(os.path.join(data_dir, "*.csv")):
        with open(path) as handle:
            columns = handle.readline().strip().split(",")
        if {"user_id", "signup_time", "purchase_time", "purchase_value", "device_id", "class"} <= set(columns):
            return True
    return False


def degrade(x: np.ndarray, names: list[str]) -> np.ndarray:
    out = x.copy()
    for name in VELOCITY_FEATURES:
        out[:, names.index(name)] = 0.0
    out[:, names.index("velocity_available")] = 0.0
    return out


def threshold_table(y: np.ndarray, p: np.ndarray) -> list[dict[str, float]]:
    rows = []
    negatives = max(1, int((y == 0).sum()))
    for t in [5, 10, 15, 20, 30, 45, 60, 70, 80, 90]:
        flagged = p * 100 >= t
        tp = int((flagged & (y == 1)).sum())
        fp = int((flagged & (y == 0)).sum())
        rows.append({
            "score_at_least": t,
            "flagged_share": float(flagged.mean()),
            "precision": tp / max(1, tp + fp),
            "recall": tp / max(1, int(y.sum())),
            "false_positive_rate": fp / negatives,
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with payments.csv from export-data.ts")
    parser.add_argument("--out", default=HERE)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))

    data_dir = args.data
    source = "synthetic"
    if data_dir is not None and not os.path.exists(os.path.join(data_dir, "payments.csv")) and has_table(data_dir):
        source = f"table {os.path.abspath(data_dir)}"
        table, data_dir = data_dir, tempfile.mkdtemp(prefix="payment-risk-table-")
        export_data(data_dir, table)
    elif data_dir is None or not os.path.exists(os.path.join(data_dir, "payments.csv")):
        data_dir = data_dir or tempfile.mkdtemp(prefix="payment-risk-")
        export_data(data_dir)
    frame = pd.read_csv(os.path.join(data_dir, "payments.csv")).sort_values("at", kind="stable").reset_index(drop=True)
    names = [c for c in frame.columns if c not in ("at", "pattern", "fraud", "bucket")]
    x = frame[names].to_numpy(dtype=np.float32)
    y = frame["fraud"].to_numpy(dtype=np.float32)
    n = len(frame)
    if "bucket" in frame.columns:  # a real table: split by user, across the whole period
        bucket = frame["bucket"].to_numpy()
        tr, va, te = np.flatnonzero(bucket < 70), np.flatnonzero((bucket >= 70) & (bucket < 85)), np.flatnonzero(bucket >= 85)
        split_name = "by user (hash of user_id) 70/15/15"
    else:
        tr, va, te = np.arange(0, int(0.7 * n)), np.arange(int(0.7 * n), int(0.8 * n)), np.arange(int(0.8 * n), n)
        split_name = "time 70/10/20"
    print(f"{n} payments ({source}), {int(y.sum())} fraud ({y.mean():.2%}); split {split_name}: "
          f"train {len(tr)}, valid {len(va)}, test {len(te)}")

    rng = np.random.default_rng(args.seed)
    extra = rng.choice(tr, size=len(tr) // 10, replace=False)
    x_train = np.concatenate([x[tr], degrade(x[extra], names)])
    y_train = np.concatenate([y[tr], y[extra]])

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x_train, y_train)
    # Features the training rows do not inform (constant before the degraded copies: a real table without
    # IP, payment method, e-mail or addresses) contribute exactly 0, whatever serving later sees. Not
    # velocity_available: the degraded copies are what inform it.
    unused = (x[tr].max(0) == x[tr].min(0)) & (np.array(names) != "velocity_available")
    if unused.any():
        print("not informed by the training rows (contribution pinned at 0): "
              + ", ".join(n for n, u in zip(names, unused) if u))
    model = fit(x_train, y_train, x[va], y[va], seed=args.seed, unused=unused)
    p_test = predict(model, x[te])
    results = {
        "logistic_regression (baseline)": metrics(y[te], logistic.predict_proba(x[te])[:, 1]),
        "neural_additive_model (served)": metrics(y[te], p_test),
        "neural_additive_model, degraded (no velocity)": metrics(y[te], predict(model, degrade(x[te], names))),
        "logistic_regression, degraded (no velocity)": metrics(y[te], logistic.predict_proba(degrade(x[te], names))[:, 1]),
    }
    table = threshold_table(y[te], p_test)
    by_pattern = {
        pattern: float((p_test[(frame["pattern"].to_numpy()[te] == pattern)] * 100 >= 30).mean())
        for pattern in sorted(frame["pattern"].unique())
    }

    # Export through the platform's helper: opset 17, dynamic batch, onnx checker, onnxruntime (node) parity
    # on sample rows (parity.json), model.json for the manifest.
    sample = x[te][np.argsort(-p_test)[:4].tolist() + list(range(4))]
    served = results["neural_additive_model (served)"]
    version = VERSION if source == "synthetic" else f"{VERSION}+table"
    export_onnx(
        model,
        inputs=[InputSpec("features", torch.tensor(sample), features=names)],
        outputs=[OutputSpec("probability"), OutputSpec("logit"), OutputSpec("contributions")],
        out_dir=args.out,
        name="payment-risk",
        version=version,
        description="Payment fraud probability from a neural additive model (one shape function per feature); "
        "contributions are per-feature log-odds relative to a typical payment. "
        + ("Trained on the demo world's synthetic payments (models/payment-risk/export-data.ts); see CARD.md."
           if source == "synthetic" else
           f"Trained on a real fraud table ({os.path.basename(source)}) mapped by fraud-table.ts; see CARD.md."),
        metrics={
            "test_roc_auc": round(served["roc_auc"], 4),
            "test_pr_auc": round(served["pr_auc"], 4),
            "test_recall_at_precision_0_9": round(served["recall_at_precision_0_9"], 4),
            "test_recall_at_fpr_0_01": round(served["recall_at_fpr_0_01"], 4),
            "baseline_logistic_pr_auc": round(results["logistic_regression (baseline)"]["pr_auc"], 4),
        },
    )

    lines = [
        f"payment-risk {version}: {n} payments ({source}), {int(y.sum())} fraud ({y.mean():.2%}); split {split_name}: "
        f"train {len(tr)} / valid {len(va)} / test {len(te)} (test: {int(y[te].sum())} fraud).",
        "",
        "| model (test split) | ROC-AUC | PR-AUC | recall @ precision 0.9 | recall @ 1 % FPR |",
        "|---|---|---|---|---|",
    ]
    for name, m in results.items():
        lines.append(f"| {name} | {m['roc_auc']:.3f} | {m['pr_auc']:.3f} | {m['recall_at_precision_0_9']:.3f} | {m['recall_at_fpr_0_01']:.3f} |")
    lines += ["", "| score >= | flagged | precision | recall | false-positive rate |", "|---|---|---|---|---|"]
    for row in table:
        lines.append(f"| {row['score_at_least']} | {row['flagged_share']:.2%} | {row['precision']:.3f} | {row['recall']:.3f} | {row['false_positive_rate']:.4f} |")
    lines += ["", "Share flagged at score >= 30 (review) per pattern on the test split:"]
    lines += [f"- {k}: {v:.1%}" for k, v in by_pattern.items()]
    print("\n".join(lines))
    with open(os.path.join(args.out, "metrics.json"), "w") as handle:
        json.dump({"version": version, "source": source, "rows": n, "fraud": int(y.sum()), "split": split_name,
                   "test": results, "thresholds": table, "review_rate_by_pattern": by_pattern}, handle, indent=2)
        handle.write("\n")


if __name__ == "__main__":
    main()
