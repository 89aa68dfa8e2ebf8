"""Trains the daily demand forecaster on the demo market's sales history and exports it.

    /usr/bin/python3 models/demand/train.py --data <dir from export-data.ts> --out models/demand

Rows are (product, forecast origin, horizon 1..28). Origins before the last one train (a random tenth of the
products steers early stopping); the last origin (the final 28 days of the history) is held out and scored
by WAPE against the seasonal-naive (same weekday last week) and 28-day moving-average baselines, plus the
coverage of the upper quantile. Writes demand.onnx, model.json, parity.json and metrics.json.
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
import torch  # noqa: E402

from common import InputSpec, OutputSpec, Timer, export_onnx, log, progress, set_seed  # noqa: E402
from forecaster import UPPER_Q, fit, predict, wape  # noqa: E402

VERSION = "1.0.0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    set_seed(args.seed)
    meta = json.loads(Path(args.data, "meta.json").read_text())
    features = meta["features"]
    frame = pd.read_csv(os.path.join(args.data, "rows.csv"))
    held = frame["origin_day"] == meta["heldoutOrigin"]
    train, test = frame[~held], frame[held]
    products = train["product_id"].unique()
    rng = np.random.default_rng(args.seed)
    val_products = set(rng.choice(products, size=max(1, len(products) // 10), replace=False))
    val_mask = train["product_id"].isin(val_products).to_numpy()
    x = train[features].to_numpy(np.float32)
    y = train["units"].to_numpy(np.float32)
    log(f"{len(train)} training rows, {len(test)} held-out rows ({test['product_id'].nunique()} products, last 28 days)")

    with Timer("training"):
        model = fit(x[~val_mask], y[~val_mask], x[val_mask], y[val_mask], epochs=args.epochs, seed=args.seed,
                    on_epoch=lambda e, n, loss, val: progress(e, n, loss=loss, val_loss=val))

    xt = test[features].to_numpy(np.float32)
    yt = test["units"].to_numpy(np.float64)
    rate, upper = predict(model, xt)
    # 28-day totals per product: what reorder decisions use.
    totals = test.assign(rate=rate, naive=test["seasonal_naive"], ma=test["moving_average_28"]).groupby("product_id")[["units", "rate", "naive", "ma"]].sum()
    metrics = {
        "heldout_wape": wape(yt, rate),
        "seasonal_naive_wape": wape(yt, test["seasonal_naive"].to_numpy()),
        "moving_average_28_wape": wape(yt, test["moving_average_28"].to_numpy()),
        "heldout_upper_coverage": float(np.mean(yt <= upper)),
        "upper_quantile": UPPER_Q,
        "heldout_28d_total_wape": wape(totals["units"].to_numpy(), totals["rate"].to_numpy()),
        "seasonal_naive_28d_total_wape": wape(totals["units"].to_numpy(), totals["naive"].to_numpy()),
        "moving_average_28_28d_total_wape": wape(totals["units"].to_numpy(), totals["ma"].to_numpy()),
        "heldout_bias": float((rate.sum() - yt.sum()) / max(1.0, yt.sum())),
        "heldout_rows": float(len(test)),
        "heldout_products": float(test["product_id"].nunique()),
    }
    for k, v in metrics.items():
        log(f"{k} = {v:.4f}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    Path(args.out, "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    export_onnx(
        model,
        inputs=[InputSpec("features", torch.tensor(xt[:64]), features=features)],
        outputs=[OutputSpec("rate"), OutputSpec("upper")],
        out_dir=args.out,
        name="demand",
        version=VERSION,
        description="Daily demand forecast (units/day) for horizons 1-28: Poisson rate and 0.9 quantile; MLP 32x32 over lags, horizon, season, price, weekday.",
        metrics={k: metrics[k] for k in ("heldout_wape", "seasonal_naive_wape", "moving_average_28_wape", "heldout_upper_coverage")},
    )


if __name__ == "__main__":
    main()
