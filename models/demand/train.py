"""Trains the daily demand forecaster and exports it.

    /usr/bin/python3 models/demand/train.py --data <dir from export-data.ts or import-data.ts> --out models/demand

Rows are (product, forecast origin, horizon 1..28); a row's target day is origin - 1 + horizon.

- Demo market (export-data.ts): the last origin (the final 28 days of the history) is held out and scored by
  WAPE against the seasonal-naive (same weekday last week) and 28-day moving-average baselines, plus the
  coverage of the upper quantile; training rows are the earlier origins, their targets cut before the held-out
  days.
- A transactions table (import-data.ts, `heldoutOrigin: null`): every row trains; the evaluation
  (models/demand/eval.ts) holds out before it calls this.

The design (forecaster.py: `direct` or `residual`) is chosen on the training rows only: both are fitted on the
rows whose targets precede an inner origin (`innerHorizon` days, 28 for the demo, before the end of the training
targets) and scored on that origin's rows; the lower WAPE wins (`--design` forces one). The chosen design is
then refitted on every training row (a random tenth of the products steers early stopping). Writes demand.onnx,
model.json, parity.json and metrics.json.
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
from forecaster import DESIGNS, UPPER_Q, fit, predict, wape  # noqa: E402

VERSION = "1.1.0"


def fit_rows(rows: pd.DataFrame, features: list[str], design: str, epochs: int, seed: int):
    """Fits `design` on `rows`; a random tenth of the products steers early stopping."""
    products = rows["product_id"].unique()
    rng = np.random.default_rng(seed)
    val_products = set(rng.choice(products, size=max(1, len(products) // 10), replace=False))
    val = rows["product_id"].isin(val_products).to_numpy()
    x = rows[features].to_numpy(np.float32)
    y = rows["units"].to_numpy(np.float32)
    return fit(x[~val], y[~val], x[val], y[val], epochs=epochs, seed=seed, design=design,
               on_epoch=lambda e, n, loss, v: progress(e, n, loss=loss, val_loss=v))


def choose_design(train: pd.DataFrame, features: list[str], inner_horizon: int, epochs: int, seed: int) -> tuple[str, dict]:
    """Fits every design on the rows before an inner origin and scores that origin's rows (training rows only)."""
    end = int(train["target_day"].max()) + 1
    origins = train["origin_day"][train["origin_day"] <= end - inner_horizon]
    if origins.empty:
        log("too few days for an inner split: the residual design (the safe one) is used")
        return "residual", {}
    inner_origin = int(origins.max())
    fit_part = train[train["target_day"] < inner_origin]
    scored = train[train["origin_day"] == inner_origin]
    if fit_part["product_id"].nunique() < 2 or scored.empty:
        log("too few rows for an inner split: the residual design (the safe one) is used")
        return "residual", {}
    y = scored["units"].to_numpy(np.float64)
    result = {"inner_origin_day": inner_origin, "inner_rows": len(scored),
              "inner_seasonal_naive_wape": wape(y, scored["seasonal_naive"].to_numpy()),
              "inner_moving_average_28_wape": wape(y, scored["moving_average_28"].to_numpy())}
    for design in DESIGNS:
        log(f"inner split: {design} on {len(fit_part)} rows with targets before day {inner_origin}, scored on {len(scored)}")
        model = fit_rows(fit_part, features, design, epochs, seed)
        result[f"inner_{design}_wape"] = wape(y, predict(model, scored[features].to_numpy(np.float32))[0])
    chosen = min(DESIGNS, key=lambda d: result[f"inner_{d}_wape"])
    for k, v in result.items():
        log(f"{k} = {v:.4f}" if isinstance(v, float) else f"{k} = {v}")
    return chosen, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--design", choices=["auto", *DESIGNS], default="auto")
    args = parser.parse_args()
    set_seed(args.seed)
    meta = json.loads(Path(args.data, "meta.json").read_text())
    features = meta["features"]
    frame = pd.read_csv(os.path.join(args.data, "rows.csv"), dtype={"product_id": str})
    frame["target_day"] = frame["origin_day"] - 1 + frame["horizon"]
    held_origin = meta.get("heldoutOrigin")
    if held_origin is None:
        held = np.zeros(len(frame), bool)
        train = frame
    else:
        held = (frame["origin_day"] == held_origin).to_numpy()
        train = frame[~held & (frame["target_day"] < held_origin).to_numpy()]
    test = frame[held]
    log(f"{len(train)} training rows ({train['product_id'].nunique()} products), {len(test)} held-out rows")

    inner: dict = {}
    design = args.design
    if design == "auto":
        with Timer("choosing the design on an inner time split"):
            design, inner = choose_design(train, features, int(meta.get("innerHorizon", 28)), args.epochs, args.seed)
    log(f"design: {design}")
    with Timer("training"):
        model = fit_rows(train, features, design, args.epochs, args.seed)
    metrics: dict = {"design": design, "residual_design": float(design == "residual"), "training_rows": float(len(train)), **inner}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    example = train[features].to_numpy(np.float32)[:64]
    if not test.empty:
        metrics.update(heldout_metrics(model, test, features))
        example = test[features].to_numpy(np.float32)[:64]
    for k, v in metrics.items():
        log(f"{k} = {v:.4f}" if isinstance(v, float) else f"{k} = {v}")
    Path(args.out, "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    served = ("heldout_wape", "seasonal_naive_wape", "moving_average_28_wape", "heldout_upper_coverage",
              "residual_design", "inner_direct_wape", "inner_residual_wape")
    export_onnx(
        model,
        inputs=[InputSpec("features", torch.tensor(example), features=features)],
        outputs=[OutputSpec("rate"), OutputSpec("upper")],
        out_dir=args.out,
        name="demand",
        version=VERSION,
        description=f"Daily demand forecast (units/day) for horizons 1-28: Poisson rate and 0.9 quantile; {design} design (models/demand/forecaster.py), MLP 32x32 over lags, horizon, season, price, weekday.",
        metrics={k: metrics[k] for k in served if k in metrics},
    )


def heldout_metrics(model, test: pd.DataFrame, features: list[str]) -> dict:
    xt = test[features].to_numpy(np.float32)
    yt = test["units"].to_numpy(np.float64)
    rate, upper = predict(model, xt)
    # 28-day totals per product: what reorder decisions use.
    totals = test.assign(rate=rate, naive=test["seasonal_naive"], ma=test["moving_average_28"]).groupby("product_id")[["units", "rate", "naive", "ma"]].sum()
    return {
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


if __name__ == "__main__":
    main()
