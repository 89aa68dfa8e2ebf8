"""Trains the delivery-time model on the demo world's shipment history and exports it.

    /usr/bin/python3 models/logistics/train.py --data <dir from export-data.ts> --out models/logistics

A folder written by import-data.ts from a real order table (meta.json with a "source", e.g. Olist) is
trained by real.py instead: `npm run train -- logistics --data /work/shared/datasets/olist`.

Split by order time: the first 70 % of days train (a random tenth of them steers early stopping), the next
10 % calibrate (split conformal, see lognormal.py), the last 20 % are held out and scored. Writes
logistics.onnx (features [batch, F] -> mu, sigma of log delivery days, calibration baked in), model.json,
parity.json and metrics.json (the figures CARD.md quotes).
"""

from __future__ import annotations

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

from common import InputSpec, OutputSpec, Timer, export_onnx, log, progress, set_seed  # noqa: E402
from lognormal import Z10, Z90, calibrate, end_of_day_after, fit, predict, quantile, score  # noqa: E402

VERSION = "1.0.0"


def time_split(frame: pd.DataFrame, column: str, train: float = 0.7, cal: float = 0.1):
    days = np.sort(frame[column].unique())
    cut1 = days[int(len(days) * train)]
    cut2 = days[int(len(days) * (train + cal))]
    return frame[frame[column] < cut1], frame[(frame[column] >= cut1) & (frame[column] < cut2)], frame[frame[column] >= cut2]


def lane_baseline(train: pd.DataFrame, test: pd.DataFrame, keys, fallback):
    """Empirical P10/P50/P90 of delivery days per lane in the training rows (fallback: coarser key)."""
    out = []
    for q in (0.1, 0.5, 0.9):
        fine = train.groupby(keys)["delivery_days"].quantile(q).rename("fine")
        coarse = train.groupby(fallback)["delivery_days"].quantile(q).rename("coarse")
        counts = train.groupby(keys).size().rename("n")
        joined = test[keys].join(fine, on=keys).join(counts, on=keys).join(coarse, on=fallback)
        value = np.where((joined["n"].fillna(0) >= 20) & joined["fine"].notna(), joined["fine"], joined["coarse"])
        out.append(np.asarray(value, dtype=np.float64))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--epochs", type=int, default=None, help="most epochs (default 40 demo, 200 real tables)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    set_seed(args.seed)

    meta = json.loads(Path(args.data, "meta.json").read_text())
    if meta.get("source") is not None:
        from real import train_real

        train_real(args.data, args.out, meta, epochs=args.epochs or 200, seed=args.seed, version=f"{VERSION}-{meta['source']}")
        return
    args.epochs = args.epochs or 40
    features = meta["features"]
    frame = pd.read_csv(os.path.join(args.data, "shipments.csv"))
    train, cal, test = time_split(frame, "order_day")
    log(f"{len(train)} training, {len(cal)} calibration, {len(test)} held-out shipments; {len(features)} features")

    rng = np.random.default_rng(args.seed)
    val_mask = rng.random(len(train)) < 0.1
    x_train = train[features].to_numpy(np.float32)
    y_train = train["delivery_days"].to_numpy(np.float64)

    def on_epoch(epoch, total, loss, val):
        progress(epoch, total, nll=loss, val_nll=val)

    with Timer("training"):
        model = fit(
            x_train[~val_mask],
            y_train[~val_mask],
            x_train[val_mask],
            y_train[val_mask],
            epochs=args.epochs,
            seed=args.seed,
            on_epoch=on_epoch,
        )

    x_test = test[features].to_numpy(np.float32)
    y_test = test["delivery_days"].to_numpy(np.float64)
    order_hour = test["order_hour"].to_numpy(np.float64) * 24

    mu_raw, sigma_raw = predict(model, x_test, calibrated=False)
    uncalibrated = score(y_test, quantile(mu_raw, sigma_raw, Z10), quantile(mu_raw, sigma_raw, 0.0), quantile(mu_raw, sigma_raw, Z90))
    conformal = calibrate(model, cal[features].to_numpy(np.float32), cal["delivery_days"].to_numpy(np.float64))
    log(f"conformal calibration: {conformal}")
    mu, sigma = predict(model, x_test)
    p10, p50, p90 = quantile(mu, sigma, Z10), quantile(mu, sigma, 0.0), quantile(mu, sigma, Z90)
    promise = end_of_day_after(order_hour, p90)
    ours = score(y_test, p10, p50, p90, promise)

    b10, b50, b90 = lane_baseline(train, test, ["warehouse", "carrier", "service", *[f"dest_region_{r}" for r in range(10)]], ["carrier", "service"])
    baseline = score(y_test, b10, b50, b90, end_of_day_after(order_hour, b90))
    carrier_late = float(np.mean(y_test > test["promised_end_days"].to_numpy(np.float64)))
    oracle_p50_mae = float(np.mean(np.abs(y_test - test["true_median_days"].to_numpy(np.float64))))
    peak = test["peak_season"].to_numpy() > 0
    backlog = test["warehouse_backlog"].to_numpy() > 1.0
    congested = test["hub_congestion"].to_numpy() > 1.0

    metrics = {
        **ours.as_dict("heldout_"),
        **uncalibrated.as_dict("uncalibrated_"),
        **baseline.as_dict("lane_baseline_"),
        "carrier_promise_late_rate": carrier_late,
        "true_median_p50_abs_error_days": oracle_p50_mae,
        "heldout_p90_coverage_backlogged": float(np.mean(y_test[backlog] <= p90[backlog])) if backlog.any() else float("nan"),
        "lane_baseline_p90_coverage_backlogged": float(np.mean(y_test[backlog] <= b90[backlog])) if backlog.any() else float("nan"),
        "heldout_p90_coverage_congested": float(np.mean(y_test[congested] <= p90[congested])) if congested.any() else float("nan"),
        "lane_baseline_p90_coverage_congested": float(np.mean(y_test[congested] <= b90[congested])) if congested.any() else float("nan"),
        "carrier_promise_late_rate_backlogged": float(np.mean(y_test[backlog] > test["promised_end_days"].to_numpy()[backlog])) if backlog.any() else float("nan"),
        "heldout_rows": float(len(test)),
        "heldout_peak_rows": float(peak.sum()),
        "heldout_backlogged_rows": float(backlog.sum()),
        "heldout_congested_rows": float(congested.sum()),
        **conformal,
    }
    for name, value in metrics.items():
        log(f"{name} = {value:.4f}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    Path(args.out, "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")

    export_onnx(
        model,
        inputs=[InputSpec("features", torch.tensor(x_test[:64]), features=features)],
        outputs=[OutputSpec("mu"), OutputSpec("sigma")],
        out_dir=args.out,
        name="logistics",
        version=VERSION,
        description=(
            "Delivery time (order to doorstep, days) as a log-normal: MLP 64x64 over lane, carrier, service, "
            "distance, weekday, season, size and backlog features; split-conformal calibrated P50/P90."
        ),
        metrics={k: float(metrics[k]) for k in ("heldout_p50_abs_error_days", "heldout_p90_coverage", "heldout_promise_late_rate", "lane_baseline_p50_abs_error_days", "lane_baseline_p90_coverage", "carrier_promise_late_rate")},
    )


if __name__ == "__main__":
    main()
