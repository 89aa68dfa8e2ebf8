"""Fits the pricing demand model on real retail transactions and reports held-out demand error vs naive baselines.

    npm run eval -- pricing --data /work/shared/datasets/uci_online_retail
    /usr/bin/python3 models/pricing/eval.py --data <dir> [--holdout-days 3] [--epochs 40] [--out report.json]

Input: a folder with one CSV in the UCI "Online Retail" format (InvoiceNo, StockCode, Description, Quantity,
InvoiceDate as M/D/YY H:MM, UnitPrice, ...); any folder in that format works. The data is read in place.

Method (the same model as train.py, models/pricing/demand.py):
- drop cancellations (InvoiceNo starting with C), non-positive quantities or prices, and non-product codes
  (postage, fees, manual adjustments: StockCodes without a digit);
- a daily panel per product over trading days (days with any sale) from its first sale: units = quantity sold
  (0 when it did not sell that day), price = revenue / units (carried forward on days without sales);
- reference ("list") price = the product's median daily price before the held-out days;
- category = the last word of the product's description (HOLDER, BAG, MUG...), rare ones pooled as OTHER;
- drivers as in training; stock is unknown (neutral cover);
- held out: the last `--holdout-days` trading days; metrics on products seen before them.
Baselines: seasonal naive (the same product's units on the same weekday a week earlier), last value (units on
the previous trading day) and moving average (mean over the previous ≤ 7 trading days). WAPE over all held-out
product-days, with a 95 % bootstrap interval over products and paired model − baseline intervals; MAPE over
those with a sale (zeros make it undefined).

`--train <dir>` fits on another folder in the same format instead (all its days), and scores the last
`--holdout-days` of `--data` (products it never saw get the unknown-product index 0).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
from demand import REGULAR_PRICE_RATIO, DemandModel, driver_matrix, fit, lagged_means, mape, predict, wape  # noqa: E402

MIN_PRODUCTS_PER_CATEGORY = 5


def load_transactions(folder: str) -> pd.DataFrame:
    files = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if not files:
        raise SystemExit(f"no CSV file in {folder}")
    frames = [pd.read_csv(f, dtype={"InvoiceNo": str, "StockCode": str, "Description": str}, encoding="latin-1") for f in files]
    df = pd.concat(frames, ignore_index=True)
    needed = {"InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"}
    missing = needed - set(df.columns)
    if missing:
        raise SystemExit(f"{folder}: missing columns {sorted(missing)} (expected the UCI Online Retail format)")
    return df


def build_panel(df: pd.DataFrame) -> pd.DataFrame:
    df = df[~df["InvoiceNo"].str.startswith("C", na=False)]
    df = df[(df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
    df = df[df["StockCode"].str.contains(r"\d", na=False)].copy()
    when = pd.to_datetime(df["InvoiceDate"], format="%m/%d/%y %H:%M", errors="coerce")
    other = when.isna()
    if other.any():  # other copies of the dataset write 4-digit years or ISO dates
        when[other] = pd.to_datetime(df.loc[other, "InvoiceDate"], errors="coerce")
    df["date"] = when.dt.normalize()
    df = df[df["date"].notna()]
    df["revenue"] = df["Quantity"] * df["UnitPrice"]
    daily = df.groupby(["StockCode", "date"], as_index=False).agg(units=("Quantity", "sum"), revenue=("revenue", "sum"))
    daily["price"] = daily["revenue"] / daily["units"]

    days = np.sort(daily["date"].unique())
    day_index = {d: i for i, d in enumerate(days)}
    daily["t"] = daily["date"].map(day_index)
    first = daily.groupby("StockCode")["t"].min()
    rows = [(code, t) for code, t0 in first.items() for t in range(int(t0), len(days))]
    panel = pd.DataFrame(rows, columns=["StockCode", "t"])
    panel = panel.merge(daily[["StockCode", "t", "units", "price"]], on=["StockCode", "t"], how="left")
    panel["units"] = panel["units"].fillna(0.0)
    panel.sort_values(["StockCode", "t"], inplace=True)
    panel["price"] = panel.groupby("StockCode")["price"].ffill()
    panel["date"] = pd.to_datetime(days[panel["t"].to_numpy()])

    words = df.groupby("StockCode")["Description"].agg(lambda s: s.mode().iat[0] if not s.mode().empty else "")
    category = words.fillna("").str.strip().str.split().str[-1].fillna("OTHER")
    counts = category.value_counts()
    category = category.where(category.map(counts) >= MIN_PRODUCTS_PER_CATEGORY, "OTHER")
    panel["category"] = panel["StockCode"].map(category).fillna("OTHER")
    return panel.reset_index(drop=True), len(days)


def prepare(panel: pd.DataFrame, cutoff: int, products: list | None = None, categories: list | None = None) -> dict:
    """Model inputs and baselines for every panel row; the reference price comes from rows before `cutoff`.
    Product/category indices follow `products`/`categories` (1-based; 0 = unknown), default this panel's own."""
    reference = panel[(panel["t"] < cutoff) & (panel["units"] > 0)].groupby("StockCode")["price"].median()
    panel = panel[panel["StockCode"].isin(reference.index)].reset_index(drop=True)
    panel["reference"] = panel["StockCode"].map(reference)
    products = products if products is not None else sorted(panel["StockCode"].unique())
    categories = categories if categories is not None else sorted(panel["category"].unique())
    p = panel["StockCode"].map({c: i + 1 for i, c in enumerate(products)}).fillna(0).to_numpy(np.int64)
    c = panel["category"].map({c: i + 1 for i, c in enumerate(categories)}).fillna(0).to_numpy(np.int64)
    codes = panel["StockCode"].to_numpy()
    units = panel["units"].to_numpy(np.float64)
    log_ratio = np.log(panel["price"].to_numpy(np.float64) / panel["reference"].to_numpy(np.float64))
    is_start = np.r_[True, codes[1:] != codes[:-1]]
    group_start = np.maximum.accumulate(np.where(is_start, np.arange(len(codes)), 0))
    regular = log_ratio >= np.log(REGULAR_PRICE_RATIO)
    dates = panel["date"]
    # Seasonal naive: the same product's units on the same weekday a week earlier (0 if it did not trade then).
    week_ago = pd.Series(units, index=pd.MultiIndex.from_arrays([codes, dates]))
    seasonal = week_ago.reindex(pd.MultiIndex.from_arrays([codes, dates - pd.Timedelta(days=7)])).fillna(0.0).to_numpy()
    return {
        "panel": panel,
        "products": products,
        "categories": categories,
        "p": p,
        "c": c,
        "units": units,
        "log_ratio": log_ratio,
        "drivers": driver_matrix(
            ((dates.dt.dayofyear - 1) % 365).to_numpy(),
            (dates.dt.dayofweek >= 5).to_numpy(np.float64),
            None,
            lagged_means(units, group_start, 7, regular),
            lagged_means(units, group_start, 28, regular),
        ),
        "last_value": lagged_means(units, group_start, 1),
        "moving_average_7": lagged_means(units, group_start, 7),
        "seasonal_naive": seasonal,
        "has_past": np.arange(len(codes)) > group_start,
    }


def wape_intervals(y: np.ndarray, forecasts: dict, items: np.ndarray, seed: int, n_boot: int = 2000) -> dict:
    """WAPE with a 95 % bootstrap interval over products, and paired model − baseline intervals."""
    codes, index = np.unique(items, return_inverse=True)
    total = np.bincount(index, weights=y, minlength=len(codes))
    errors = {k: np.bincount(index, weights=np.abs(y - f), minlength=len(codes)) for k, f in forecasts.items()}
    rng = np.random.default_rng(seed)
    counts = np.stack([np.bincount(rng.integers(0, len(codes), len(codes)), minlength=len(codes)) for _ in range(n_boot)])
    boots = {k: (counts @ e) / (counts @ total) for k, e in errors.items()}
    ci = lambda b: [round(float(np.quantile(b, 0.025)), 4), round(float(np.quantile(b, 0.975)), 4)]  # noqa: E731
    out = {k: {"wape": round(float(e.sum() / total.sum()), 4), "ci95": ci(boots[k])} for k, e in errors.items()}
    for k in forecasts:
        if k != "model":
            out[f"model_minus_{k}"] = {"wape": round(out["model"]["wape"] - out[k]["wape"], 4), "ci95": ci(boots["model"] - boots[k])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--train", default=None, help="fit on this folder instead (default: --data's days before the held-out ones)")
    parser.add_argument("--holdout-days", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="also write the report as JSON here")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    started = time.time()

    panel, n_days = build_panel(load_transactions(args.data))
    if n_days <= args.holdout_days + 1:
        raise SystemExit(f"only {n_days} trading days: too few for a {args.holdout_days}-day hold-out")
    cutoff = n_days - args.holdout_days
    same = args.train is None or os.path.realpath(args.train) == os.path.realpath(args.data)
    if same:
        train = prepare(panel, cutoff)
        data = train
        train_part = (train["panel"]["t"] < cutoff).to_numpy()
    else:
        train_panel, train_days = build_panel(load_transactions(args.train))
        train = prepare(train_panel, train_days)
        data = prepare(panel, cutoff, train["products"], train["categories"])
        train_part = np.ones(len(train["p"]), bool)
    model = DemandModel(len(train["products"]) + 1, len(train["categories"]) + 1)
    fit(model, train["p"][train_part], train["c"][train_part], train["log_ratio"][train_part], train["drivers"][train_part], train["units"][train_part],
        epochs=args.epochs, batch_size=1024, lr=0.01, log=lambda _: None)
    test = (data["panel"]["t"] >= cutoff).to_numpy() & data["has_past"]
    y = data["units"][test]
    elasticity, forecast = predict(model, data["p"][test], data["c"][test], data["log_ratio"][test], data["drivers"][test])
    forecasts = {"model": forecast, **{k: data[k][test] for k in ("seasonal_naive", "last_value", "moving_average_7")}}

    train_rows = train["panel"][train_part]
    varied = train_rows[train_rows["units"] > 0].groupby("StockCode")["price"].nunique()
    report = {
        "command": "npm run eval -- pricing " + ("" if same else f"--train {args.train} ") + f"--data {args.data}",
        "dataset": os.path.abspath(args.data),
        "train": os.path.abspath(args.train or args.data),
        "trading_days": int(n_days),
        "holdout_days": args.holdout_days,
        "products": len(train["products"]),
        "products_with_price_variation": int((varied > 1).sum()),
        "categories": len(train["categories"]),
        "train_rows": int(train_part.sum()),
        "holdout_rows": int(test.sum()),
        "holdout_rows_with_sales": int((y > 0).sum()),
        "holdout_rows_unknown_product": int((data["p"][test] == 0).sum()),
        "wape": {k: round(wape(y, f), 4) for k, f in forecasts.items()},
        "wape_with_95ci_over_products": wape_intervals(y, forecasts, data["panel"]["StockCode"].to_numpy()[test], args.seed),
        "mape_on_sale_days": {k: round(mape(y, f), 4) for k, f in forecasts.items()},
        "median_elasticity": round(float(np.median(elasticity)), 3),
        "seconds": round(time.time() - started, 1),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
        from common.plot_card import plot_json  # the card's figure beside the JSON (<name>-metrics.png)

        for written in plot_json(args.out):
            print(f"wrote {written}")


if __name__ == "__main__":
    main()
