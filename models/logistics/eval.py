"""Fits the delivery-time model (lognormal.py, the one served) on real marketplace orders and scores it.

    npm run eval -- logistics --data /work/shared/datasets/olist [--out result.json]
    /usr/bin/python3 models/logistics/eval.py --data <dir> [--file olist_classified_public_dataset.csv]

The folder is read in place, never copied. It must hold an Olist-format order table: by default
`olist_classified_public_dataset.csv` (one row per order, joined with customer location and product), else
`olist_orders_dataset.csv`; any folder with the same columns works. Needed columns:
`order_status, order_purchase_timestamp, order_delivered_customer_date, order_estimated_delivery_date`;
used when present: `customer_state, customer_zip_code_prefix, order_freight_value, order_products_value,
order_items_qty, order_sellers_qty, order_aproved_at, product_category_name`.

Features (all known at purchase time): customer state (one-hot), ZIP prefix, freight and order value (log),
items and sellers, purchase weekday and hour, month (sin/cos), approval delay, product category (top 15), and a
backlog proxy: the orders placed in the previous 7 days (counted in the file, causally).
Split by purchase time: first 70 % train (a random tenth steers early stopping), next 10 % calibrate
(split conformal), last 20 % held out. Reported on the held-out orders: MAE of the P50 in days and P90
coverage, next to the marketplace's own promise (`order_estimated_delivery_date`) and a per-state median
(and P90) learnt on the training orders.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from common import set_seed  # noqa: E402
from lognormal import Z10, Z90, calibrate, fit, predict, quantile, score  # noqa: E402

DAY = 86400.0
REQUIRED = ["order_status", "order_purchase_timestamp", "order_delivered_customer_date", "order_estimated_delivery_date"]


def load(data_dir: str, file: str | None) -> tuple[pd.DataFrame, str]:
    names = [file] if file else ["olist_classified_public_dataset.csv", "olist_orders_dataset.csv"]
    for name in names:
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            frame = pd.read_csv(path)
            missing = [c for c in REQUIRED if c not in frame.columns]
            if missing:
                raise SystemExit(f"{path}: missing columns {missing}")
            return frame, path
    raise SystemExit(f"{data_dir}: none of {names} found")


def features(frame: pd.DataFrame, train_mask: np.ndarray) -> tuple[np.ndarray, list[str]]:
    cols: dict[str, np.ndarray] = {}
    t = frame["purchase"]
    cols["weekday"] = t.dt.weekday.to_numpy()
    for d in range(7):
        cols[f"weekday_{d}"] = (t.dt.weekday == d).to_numpy(np.float32)
    cols["hour"] = t.dt.hour.to_numpy() / 24.0
    month = t.dt.month.to_numpy()
    cols["month_sin"] = np.sin(2 * np.pi * month / 12)
    cols["month_cos"] = np.cos(2 * np.pi * month / 12)
    if "customer_state" in frame:
        states = frame.loc[train_mask, "customer_state"].value_counts()
        for s in states.index[states >= 10]:
            cols[f"state_{s}"] = (frame["customer_state"] == s).to_numpy(np.float32)
    if "customer_zip_code_prefix" in frame:
        z = pd.to_numeric(frame["customer_zip_code_prefix"], errors="coerce").fillna(0).to_numpy()
        scale = 1000.0 if z.max() < 1000 else 100000.0
        cols["zip_prefix"] = z / scale
    for col in ("order_freight_value", "order_products_value"):
        if col in frame:
            cols[f"log_{col}"] = np.log1p(pd.to_numeric(frame[col], errors="coerce").fillna(0).clip(lower=0).to_numpy())
    for col in ("order_items_qty", "order_sellers_qty"):
        if col in frame:
            cols[col] = pd.to_numeric(frame[col], errors="coerce").fillna(1).to_numpy()
    if "order_aproved_at" in frame:
        approved = pd.to_datetime(frame["order_aproved_at"], errors="coerce")
        delay = ((approved - t).dt.total_seconds() / 3600).fillna(0).clip(lower=0).to_numpy()
        cols["log_approval_hours"] = np.log1p(delay)
    if "product_category_name" in frame:
        top = frame.loc[train_mask, "product_category_name"].value_counts().index[:15]
        for c in top:
            cols[f"cat_{c}"] = (frame["product_category_name"] == c).to_numpy(np.float32)
    # Backlog proxy: orders in the file placed during the 7 days before this one (causal).
    seconds = t.astype("int64").to_numpy() / 1e9
    order = np.argsort(seconds, kind="stable")
    sorted_s = seconds[order]
    counts = np.searchsorted(sorted_s, sorted_s, side="left") - np.searchsorted(sorted_s, sorted_s - 7 * DAY, side="left")
    backlog = np.empty_like(counts, dtype=np.float64)
    backlog[order] = counts
    cols["orders_prev_7d"] = backlog / max(1.0, backlog.mean())
    del cols["weekday"]
    names = list(cols)
    return np.stack([np.asarray(cols[n], dtype=np.float32) for n in names], axis=1), names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--file", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    set_seed(args.seed)

    raw, path = load(args.data, args.file)
    frame = raw[raw["order_status"] == "delivered"].copy()
    frame["purchase"] = pd.to_datetime(frame["order_purchase_timestamp"], errors="coerce")
    frame["delivered"] = pd.to_datetime(frame["order_delivered_customer_date"], errors="coerce")
    frame["estimated"] = pd.to_datetime(frame["order_estimated_delivery_date"], errors="coerce")
    frame = frame.dropna(subset=["purchase", "delivered", "estimated"])
    frame["days"] = (frame["delivered"] - frame["purchase"]).dt.total_seconds() / DAY
    frame = frame[frame["days"] > 0].sort_values("purchase", kind="stable").reset_index(drop=True)
    n = len(frame)
    if n < 200:
        raise SystemExit(f"{path}: only {n} delivered orders with dates; need at least 200")
    cut1, cut2 = int(n * 0.7), int(n * 0.8)
    train_mask = np.zeros(n, bool)
    train_mask[:cut1] = True
    x, names = features(frame, train_mask)
    y = frame["days"].to_numpy(np.float64)
    # The marketplace's promise: the end of the estimated date, in days after the purchase.
    promise = ((frame["estimated"] + pd.Timedelta(days=1)) - frame["purchase"]).dt.total_seconds().to_numpy() / DAY

    rng = np.random.default_rng(args.seed)
    val = rng.random(cut1) < 0.1
    model = fit(x[:cut1][~val], y[:cut1][~val], x[:cut1][val], y[:cut1][val], epochs=args.epochs, hidden=32, lr=2e-3, patience=15, seed=args.seed, weight_decay=1e-4)
    conformal = calibrate(model, x[cut1:cut2], y[cut1:cut2])
    mu, sigma = predict(model, x[cut2:])
    yt = y[cut2:]
    ours = score(yt, quantile(mu, sigma, Z10), quantile(mu, sigma, 0.0), quantile(mu, sigma, Z90))

    train = frame.iloc[:cut1]
    test = frame.iloc[cut2:]
    by_state = train.groupby("customer_state")["days"] if "customer_state" in frame else None
    def per_state(q: float) -> np.ndarray:
        overall = train["days"].quantile(q)
        if by_state is None:
            return np.full(len(test), overall)
        table = by_state.quantile(q)
        counts = by_state.size()
        return np.array([table[s] if counts.get(s, 0) >= 10 else overall for s in test["customer_state"]])
    state = score(yt, per_state(0.1), per_state(0.5), per_state(0.9))
    olist_promise = promise[cut2:]
    result = {
        "data": path,
        "delivered_orders": n,
        "train_rows": cut1,
        "calibration_rows": cut2 - cut1,
        "heldout_rows": n - cut2,
        "heldout_from": str(test["purchase"].iloc[0]),
        "heldout_to": str(test["purchase"].iloc[-1]),
        "features": names,
        "model": {"p50_mae_days": ours.p50_mae, "p90_coverage": ours.p90_coverage, "p50_coverage": ours.p50_coverage, "mean_p90_days": ours.mean_p90_width, **conformal},
        "per_state_baseline": {"p50_mae_days": state.p50_mae, "p90_coverage": state.p90_coverage, "mean_p90_days": state.mean_p90_width},
        "marketplace_estimate": {
            "mae_days": float(np.mean(np.abs(yt - olist_promise))),
            "coverage": float(np.mean(yt <= olist_promise)),
            "mean_days": float(np.mean(olist_promise)),
        },
        "heldout_median_days": float(np.median(yt)),
    }
    print(f"data: {path}: {n} delivered orders; held out {n - cut2} ({result['heldout_from'][:10]} to {result['heldout_to'][:10]})")
    print(f"{'':28} {'MAE days':>9} {'P90 cover':>10} {'mean P90/promise days':>22}")
    print(f"{'model P50 / P90':28} {ours.p50_mae:9.2f} {ours.p90_coverage:10.3f} {ours.mean_p90_width:22.1f}")
    print(f"{'per-state median / P90':28} {state.p50_mae:9.2f} {state.p90_coverage:10.3f} {state.mean_p90_width:22.1f}")
    print(f"{'marketplace estimate':28} {result['marketplace_estimate']['mae_days']:9.2f} {result['marketplace_estimate']['coverage']:10.3f} {result['marketplace_estimate']['mean_days']:22.1f}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
