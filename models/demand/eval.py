"""Fits the demand forecaster (forecaster.py, the one served) on real daily sales and scores it by WAPE.

    npm run eval -- demand --data /work/shared/datasets/uci_online_retail [--out result.json]

The folder is read in place: one CSV in the UCI "Online Retail" format (`InvoiceNo, StockCode, Quantity,
InvoiceDate (M/D/YY H:MM), UnitPrice`, ...); another folder with a CSV of the same columns works too.
Cancellations (InvoiceNo starting with C) and non-positive quantities are dropped; units are summed per
StockCode and calendar day (days without trading count as 0).

Features mirror subgraphs/logistics/src/demand.features.ts (means of the last 7/28/91 known days — with two
weeks of data these are all "every known day" — same-weekday mean, horizon, season, price ratio, weekday).
Split by time: the last `--holdout` calendar days (default 4) are forecast from everything before them; the
model trains on every earlier origin with at least two known days, its targets cut before the held-out days. Baselines:
seasonal naive (same weekday one week earlier) and the moving average of the known days.

`--train <dir>` fits on another folder of the same format instead (every origin of it), and scores the last
`--holdout` days of `--data` from `--data`'s own earlier days. WAPE comes with a 95 % bootstrap interval over
items, and the model − baseline differences with paired intervals (the same resamples).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from common import set_seed  # noqa: E402
from forecaster import fit, predict, wape  # noqa: E402

HORIZON_DAYS = 28


def encode(units: np.ndarray, target: pd.Timestamp, horizon: int, price_ratio: float) -> list[float]:
    """The same columns, in the same order, as encodeDemandRow in demand.features.ts."""

    def mean_last(days: int) -> float:
        part = units[-days:]
        return float(part.mean()) if len(part) else 0.0

    t = len(units) - 1 + horizon
    same, k = [], int(np.ceil(horizon / 7))
    while len(same) < 4:
        i = t - 7 * k
        if i < 0:
            break
        if i < len(units):
            same.append(units[i])
        k += 1
    doy = target.dayofyear - 1
    weekday = (target.weekday() + 1) % 7  # JS getUTCDay: 0 = Sunday
    return [
        np.log1p(mean_last(7)),
        np.log1p(mean_last(28)),
        np.log1p(mean_last(91)),
        np.log1p(float(np.mean(same)) if same else 0.0),
        horizon / HORIZON_DAYS,
        np.sin(2 * np.pi * doy / 365.25),
        np.cos(2 * np.pi * doy / 365.25),
        np.log(max(0.05, price_ratio)),
        *[1.0 if d == weekday else 0.0 for d in range(7)],
    ]


def seasonal_naive(units: np.ndarray, horizon: int) -> float:
    i = len(units) - 1 + horizon - 7 * int(np.ceil(horizon / 7))
    return float(units[i]) if i >= 0 else 0.0


def load_daily(folder: str, min_units: int) -> tuple[pd.DataFrame, pd.DatetimeIndex, str]:
    files = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if len(files) != 1:
        raise SystemExit(f"{folder}: expected exactly one CSV, found {files}")
    raw = pd.read_csv(files[0], dtype={"InvoiceNo": str, "StockCode": str})
    for col in ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"):
        if col not in raw.columns:
            raise SystemExit(f"{files[0]}: missing column {col}")
    sales = raw[~raw["InvoiceNo"].str.startswith("C") & (raw["Quantity"] > 0)].copy()
    sales["day"] = pd.to_datetime(sales["InvoiceDate"], format="%m/%d/%y %H:%M").dt.normalize()
    days = pd.date_range(sales["day"].min(), sales["day"].max(), freq="D")
    daily = sales.pivot_table(index="StockCode", columns="day", values="Quantity", aggfunc="sum").reindex(columns=days).fillna(0)
    return daily[daily.sum(axis=1) >= min_units], days, files[0]


def rows_for(daily: pd.DataFrame, days: pd.DatetimeIndex, o: int, last: int, horizons: range):
    """Rows forecasting days o .. o+h-1 (0-based day index o-1+h) from the known days before o, targets before `last`."""
    x, y, naive, ma, items = [], [], [], [], []
    for code, series in daily.iterrows():
        units = series.to_numpy(np.float64)
        known = units[:o]
        ratio = 1.0  # one price per item in two weeks: no price signal
        for h in horizons:
            if o - 1 + h >= last:
                continue
            x.append(encode(known, days[o - 1 + h], h, ratio))
            y.append(units[o - 1 + h])
            naive.append(seasonal_naive(known, h))
            ma.append(known[-28:].mean())
            items.append(code)
    return np.array(x, np.float32), np.array(y, np.float64), np.array(naive), np.array(ma), np.array(items)


def wape_intervals(y: np.ndarray, forecasts: dict[str, np.ndarray], items: np.ndarray, seed: int, n_boot: int = 2000) -> dict:
    """WAPE of each forecast with a 95 % bootstrap interval over items (an item's days move together), and the
    paired model − baseline differences on the same resamples."""
    codes, index = np.unique(items, return_inverse=True)
    total_y = np.bincount(index, weights=y, minlength=len(codes))
    abs_err = {k: np.bincount(index, weights=np.abs(y - f), minlength=len(codes)) for k, f in forecasts.items()}
    rng = np.random.default_rng(seed)
    counts = np.stack([np.bincount(rng.integers(0, len(codes), len(codes)), minlength=len(codes)) for _ in range(n_boot)])
    denominator = counts @ total_y
    boots = {k: (counts @ e) / denominator for k, e in abs_err.items()}
    ci = lambda b: [float(np.quantile(b, 0.025)), float(np.quantile(b, 0.975))]  # noqa: E731
    out = {k: {"wape": float(e.sum() / total_y.sum()), "ci95": ci(boots[k])} for k, e in abs_err.items()}
    for k in forecasts:
        if k != "model":
            diff = boots["model"] - boots[k]
            out[f"model_minus_{k}"] = {"wape": out["model"]["wape"] - out[k]["wape"], "ci95": ci(diff)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--train", default=None, help="fit on this folder (default: --data's days before the held-out ones)")
    parser.add_argument("--holdout", type=int, default=4)
    parser.add_argument("--min-units", type=int, default=5, help="keep items that sold at least this many units")
    parser.add_argument("--min-known", type=int, default=2, help="fewest known days of a training origin")
    parser.add_argument("--out", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    set_seed(args.seed)

    daily, days, path = load_daily(args.data, args.min_units)
    n_days = len(days)
    origin = n_days - args.holdout  # index of the first held-out day
    horizons = range(1, args.holdout + 1)
    same = args.train is None or os.path.realpath(args.train) == os.path.realpath(args.data)
    if same:
        # Training origins: every day with at least --min-known known days; their targets stop before the held-out days.
        train_daily, train_days, train_path, train_last = daily, days, path, origin
    else:
        train_daily, train_days, train_path = load_daily(args.train, args.min_units)
        train_last = len(train_days)
    parts = [rows_for(train_daily, train_days, o, train_last, horizons) for o in range(args.min_known, train_last)]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    x_test, y_test, naive, ma, items = rows_for(daily, days, origin, n_days, horizons)
    rng = np.random.default_rng(args.seed)
    val = rng.random(len(x_train)) < 0.1
    model = fit(x_train[~val], y_train[~val].astype(np.float32), x_train[val], y_train[val].astype(np.float32), epochs=60, patience=8, hidden=16)
    rate, upper = predict(model, x_test)
    scores = wape_intervals(y_test, {"model": rate, "seasonal_naive": naive, "moving_average": ma}, items, args.seed)
    result = {
        "command": "npm run eval -- demand " + ("" if same else f"--train {args.train} ") + f"--data {args.data}",
        "data": path,
        "train": train_path,
        "days": [str(days[0].date()), str(days[-1].date())],
        "train_days": [str(train_days[0].date()), str(train_days[train_last - 1].date())],
        "heldout_days": [str(d.date()) for d in days[origin:]],
        "items": int(len(daily)),
        "train_rows": int(len(x_train)),
        "heldout_rows": int(len(x_test)),
        "model_wape": wape(y_test, rate),
        "seasonal_naive_wape": wape(y_test, naive),
        "moving_average_wape": wape(y_test, ma),
        "wape_with_95ci_over_items": scores,
        "upper_coverage": float(np.mean(y_test <= upper)),
        "heldout_units": float(y_test.sum()),
    }
    print(f"data: {path}: {len(daily)} items, days {result['days'][0]}..{result['days'][1]}; held out {result['heldout_days']}; trained on {train_path} days {result['train_days'][0]}..{result['train_days'][1]}")
    for k, v in scores.items():
        print(f"  WAPE {k:32} {v['wape']:.3f}  95 % interval [{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}]")
    print(f"upper (0.9) quantile coverage {result['upper_coverage']:.3f} over {len(x_test)} item-days")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        from common.plot_card import plot_json  # the card's figure beside the JSON (<name>-metrics.png)

        for written in plot_json(args.out):
            print(f"wrote {written}")


if __name__ == "__main__":
    main()
