"""Trains the pricing demand model on the demo world's price/sales history and exports it to ONNX.

    /usr/bin/python3 models/pricing/train.py --data <dir from export-data.ts> --out models/pricing

Holds out the last 60 days (a time split), compares daily demand forecasts with naive baselines (yesterday's
units, 7- and 28-day moving averages), measures how well the learned elasticities recover the true ones the
world was generated from, exports `pricing.onnx` (opset 17, dynamic batch), and writes `model.json`,
`vocab.json` (id → index maps) and, through models/common/export.py, `parity.json` (torch outputs that
onnxruntime-node must reproduce).

A transactions table mapped by import-data.ts (`meta.json` "source": "transactions") trains on every row (the
evaluation, models/pricing/eval.ts, holds out before it calls this), without stock and without the recovery
metrics, whose truth only the demo world knows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # this folder (demand.py) and models/ (common/)
from common.export import InputSpec, export_onnx  # noqa: E402
from demand import DRIVERS, REGULAR_PRICE_RATIO, DemandModel, driver_matrix, fit, lagged_means, mape, predict, wape  # noqa: E402

VERSION = "1.0.0"
HOLDOUT_DAYS = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder written by models/pricing/export-data.ts")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--epochs", type=int, default=None, help="default 4 (demo world) or 40 (a transactions table)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-products", type=int, default=0, help="train on the first N products only (experiments)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    started = time.time()

    meta = json.load(open(os.path.join(args.data, "meta.json")))
    real = meta.get("source") == "transactions"  # import-data.ts: no stock, no truth, nothing held out here
    epochs = args.epochs if args.epochs is not None else (40 if real else 4)
    # A small real table needs more, smaller steps than the demo's 3 M rows (the former Python eval's settings).
    batching = {"batch_size": 1024, "lr": 0.01} if real else {}
    products = pd.read_csv(os.path.join(args.data, "products.csv"), dtype={"product_id": str, "category_id": str})
    history = pd.read_csv(
        os.path.join(args.data, "history.csv"),
        dtype={"product_id": str, "day": np.int32, "price_minor": np.int64, "units": np.int32, "stock_start": np.int32},
    )
    if args.max_products > 0:
        products = products.iloc[: args.max_products].copy()
        history = history[history["product_id"].isin(set(products["product_id"]))].copy()
    print(f"read in {time.time() - started:.0f} s")
    product_ids = products["product_id"].tolist()
    category_ids = sorted(products["category_id"].unique().tolist())
    product_index = {pid: i + 1 for i, pid in enumerate(product_ids)}
    category_index = {cid: i + 1 for i, cid in enumerate(category_ids)}
    n_products, n_categories = len(product_ids) + 1, len(category_ids) + 1

    products["p"] = products["product_id"].map(product_index)
    products["c"] = products["category_id"].map(category_index)
    history["p"] = history["product_id"].map(product_index).astype(np.int64)
    history = history.merge(products[["p", "c", "list_price_minor"]], on="p", how="left")
    history.sort_values(["p", "day"], inplace=True, kind="stable")
    history.reset_index(drop=True, inplace=True)

    units = history["units"].to_numpy(np.float64)
    p = history["p"].to_numpy()
    is_start = np.r_[True, p[1:] != p[:-1]]
    group_start = np.maximum.accumulate(np.where(is_start, np.arange(len(p)), 0))
    log_ratio = np.log(history["price_minor"].to_numpy(np.float64) / history["list_price_minor"].to_numpy(np.float64))
    regular = log_ratio >= np.log(REGULAR_PRICE_RATIO)
    per_day_7 = lagged_means(units, group_start, 7)
    per_day_28 = lagged_means(units, group_start, 28)
    regular_7 = lagged_means(units, group_start, 7, regular)
    regular_28 = lagged_means(units, group_start, 28, regular)
    yesterday = lagged_means(units, group_start, 1)

    start = dt.date.fromisoformat(meta["startDate"])
    days = history["day"].to_numpy()
    dates = pd.to_datetime(start) + pd.to_timedelta(days, unit="D")
    day_of_year = (dates.dayofyear.to_numpy() - 1) % 365
    weekend = (dates.dayofweek.to_numpy() >= 5).astype(np.float64)
    stock = history["stock_start"].to_numpy(np.float64) if meta.get("stock", True) else None
    drivers = driver_matrix(day_of_year, weekend, stock, regular_7, regular_28)
    c = history["c"].to_numpy()
    for col in filter(None, os.environ.get("PRICING_ZERO_DRIVERS", "").split(",")):
        drivers[:, DRIVERS.index(col)] = 0.0  # ablation experiments only

    # No stock, no sale: nothing to learn about demand (unknown stock: every row).
    on_sale = history["stock_start"].to_numpy() > 0 if stock is not None else np.ones(len(history), bool)
    cutoff = meta["days"] - int(meta.get("holdoutDays", HOLDOUT_DAYS))
    train = on_sale & (days < cutoff)
    test = on_sale & (days >= cutoff)
    print(f"{len(history)} rows, {train.sum()} train, {test.sum()} held out (days >= {cutoff})")

    print(f"features ready in {time.time() - started:.0f} s")
    model = DemandModel(n_products, n_categories)
    fit(model, p[train], c[train], log_ratio[train], drivers[train], units[train], epochs=epochs, seed=args.seed, **batching)

    metrics: dict[str, float] = {}
    if test.any():  # a transactions table holds nothing out here (the eval does)
        y = units[test]
        e_test, q_test = predict(model, p[test], c[test], log_ratio[test], drivers[test])
        forecasts = {
            "model": q_test,
            "last_value": yesterday[test],
            "moving_average_7": per_day_7[test],
            "moving_average_28": per_day_28[test],
        }
        for name, forecast in forecasts.items():
            metrics[f"holdout_wape_{name}"] = round(wape(y, forecast), 4)
            metrics[f"holdout_mape_{name}"] = round(mape(y, forecast), 4)

    if test.any() and products["true_elasticity"].notna().any():  # known only in the demo world
        # Elasticity recovery: the model's elasticity per product (mean over its held-out rows) against the truth.
        frame = pd.DataFrame({"p": p[test], "c": c[test], "e": e_test})
        learned = frame.groupby("p")["e"].mean()
        truth = products.set_index("p")["true_elasticity"].loc[learned.index]
        err = learned.to_numpy() - truth.to_numpy()
        metrics["elasticity_mae_product"] = round(float(np.abs(err).mean()), 4)
        metrics["elasticity_rmse_product"] = round(float(np.sqrt((err**2).mean())), 4)
        metrics["elasticity_bias_product"] = round(float(err.mean()), 4)
        metrics["elasticity_corr_product"] = round(float(np.corrcoef(learned.to_numpy(), truth.to_numpy())[0, 1]), 4)
        by_category = pd.DataFrame({"learned": learned.to_numpy(), "c": products.set_index("p")["c"].loc[learned.index].to_numpy()})
        cat_learned = by_category.groupby("c")["learned"].mean()
        cat_truth = products.groupby("c")["true_category_elasticity"].first().loc[cat_learned.index]
        metrics["elasticity_mae_category"] = round(float(np.abs(cat_learned.to_numpy() - cat_truth.to_numpy()).mean()), 4)
        # Unknown-product answer (id 0): what a product the model never saw gets, against its category's truth.
        e_unknown, _ = predict(model, np.zeros(test.sum(), dtype=np.int64), c[test], log_ratio[test], drivers[test])
        unknown = pd.DataFrame({"c": c[test], "e": e_unknown}).groupby("c")["e"].mean()
        metrics["elasticity_mae_category_unknown_product"] = round(
            float(np.abs(unknown.to_numpy() - cat_truth.loc[unknown.index].to_numpy()).mean()), 4
        )
        # Baseline for recovery: one elasticity for everything (the mean truth) — what a model without structure knows.
        metrics["elasticity_mae_product_constant_baseline"] = round(float(np.abs(truth.to_numpy() - truth.mean()).mean()), 4)
    metrics["train_rows"] = int(train.sum())
    metrics["holdout_rows"] = int(test.sum())
    for k, v in metrics.items():
        print(f"{k}: {v}")

    shown = test if test.any() else train
    sample = np.flatnonzero(shown)[:: max(1, int(shown.sum()) // 64)][:64]
    spec = export_onnx(
        model,
        [
            InputSpec("product", torch.as_tensor(p[sample], dtype=torch.long), vocabulary_size=n_products),
            InputSpec("category", torch.as_tensor(c[sample], dtype=torch.long), vocabulary_size=n_categories),
            InputSpec("log_price_ratio", torch.as_tensor(log_ratio[sample], dtype=torch.float32)),
            InputSpec("drivers", torch.as_tensor(drivers[sample], dtype=torch.float32), features=DRIVERS),
        ],
        ["elasticity", "log_demand", "demand"],
        args.out,
        name="pricing",
        version=VERSION,
        description=(
            "Log-log demand model: expected units per day of a product at a candidate price "
            "(log_price_ratio = log(price / list price)) and its learned own-price elasticity. Product and "
            "category ids are 1-based indexes into vocab.json; 0 means unknown."
        ),
        metrics=metrics,
    )
    with open(os.path.join(args.out, "vocab.json"), "w") as f:
        json.dump({"products": product_ids, "categories": category_ids}, f, separators=(",", ":"))
        f.write("\n")
    print(f"done in {time.time() - started:.0f} s: {spec['file']} sha256 {spec['sha256'][:12]}")


if __name__ == "__main__":
    main()
