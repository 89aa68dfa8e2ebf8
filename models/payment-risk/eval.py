"""Baselines and statistics for `npm run eval -- payment-risk` (called by eval.ts; not meant to be run alone).

    /usr/bin/python3 models/payment-risk/eval.py --work <dir> [--bootstrap 1000] [--seed 7] [--out m.json] [--plot p.png]

<dir> holds what eval.ts wrote: train.csv (the --train rows' features from the serving code's replay, i.e.
what train.py learned from), data.csv (the --data rows' features, labels and the served model's scores from
onnxruntime-node) and meta.json. Fits the baselines on train.csv only: logistic regression (standardised,
sklearn) and gradient boosting (xgboost with its default settings, one thread), plus a reference that is
not servable (the same xgboost also given the table's source, browser, sex, age, purchase hour and weekday,
which the request does not carry: how much the table holds beyond the request), scores data.csv, and
reports ROC-AUC, PR-AUC (average precision), recall at precision >= 0.90 and >= 0.95 and recall at a 1 %
false-positive rate, each with a 95 % bootstrap interval (rows resampled with replacement), and the paired
interval of served model minus each baseline on the same resamples: a difference is called significant when
its interval excludes 0.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import pandas as pd

METRICS = ["roc_auc", "pr_auc", "recall_at_precision_0_90", "recall_at_precision_0_95", "recall_at_fpr_0_01"]
GOALS = {"pr_auc": 0.65, "recall_at_precision_0_95": 0.55}
SERVED = "served NAM (onnxruntime-node)"
REFERENCE = "xgboost + source, browser, sex, age, hour, weekday (reference: not known to the request)"


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

    precision, recall, _ = precision_recall_curve(y, p)
    fpr, tpr, _ = roc_curve(y, p)

    def recall_at(level: float) -> float:
        ok = precision >= level
        return float(recall[ok].max()) if ok.any() else 0.0

    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "recall_at_precision_0_90": recall_at(0.90),
        "recall_at_precision_0_95": recall_at(0.95),
        "recall_at_fpr_0_01": float(tpr[fpr <= 0.01].max()),
    }


def table_columns(path: str, rows: pd.DataFrame) -> pd.DataFrame | None:
    """The table's columns that the request lacks, for `rows` (by user_id); None when the table has none."""
    table = pd.read_csv(path, dtype={"user_id": str})
    wanted = [c for c in ("source", "browser", "sex", "age") if c in table.columns]
    if not wanted:
        return None
    table = table.drop_duplicates("user_id").set_index("user_id")
    picked = table.loc[rows["user_id"].astype(str), wanted]
    at = pd.to_datetime(rows["at"])
    out = pd.get_dummies(picked[[c for c in wanted if c != "age"]].astype(str), dtype=float)
    if "age" in wanted:
        out["age"] = picked["age"].to_numpy(dtype=float)
    out["hour"] = at.dt.hour.to_numpy(dtype=float)
    out["weekday"] = at.dt.weekday.to_numpy(dtype=float)
    return out.reset_index(drop=True)


def interval(values: np.ndarray) -> list[float]:
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out")
    parser.add_argument("--plot")
    args = parser.parse_args()
    started = time.time()

    import xgboost as xgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with open(os.path.join(args.work, "meta.json")) as handle:
        meta = json.load(handle)
    train = pd.read_csv(os.path.join(args.work, "train.csv"))
    data = pd.read_csv(os.path.join(args.work, "data.csv"))
    names = meta["served_model"]["inputs"][0]["features"]
    x_train, y_train = train[names].to_numpy(np.float32), train["fraud"].to_numpy()
    x_data, y = data[names].to_numpy(np.float32), data["fraud"].to_numpy()

    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x_train, y_train)
    boosted = xgb.XGBClassifier(n_jobs=1, random_state=args.seed).fit(x_train, y_train)
    scores = {
        SERVED: data["served_probability"].to_numpy(),
        "logistic regression (baseline)": logistic.predict_proba(x_data)[:, 1],
        "xgboost, default settings (baseline)": boosted.predict_proba(x_data)[:, 1],
    }
    # A reference, not servable: xgboost given also the table columns the request does not carry (source,
    # browser, sex, age, purchase hour and weekday). It shows how much the table holds beyond the request.
    extra_train, extra_data = table_columns(meta["train"], train), table_columns(meta["data"], data)
    if extra_train is not None and extra_data is not None:
        extra_data = extra_data.reindex(columns=extra_train.columns, fill_value=0.0)
        wide = xgb.XGBClassifier(n_jobs=1, random_state=args.seed).fit(
            np.hstack([x_train, extra_train.to_numpy(np.float32)]), y_train)
        scores[REFERENCE] = wide.predict_proba(np.hstack([x_data, extra_data.to_numpy(np.float32)]))[:, 1]
    point = {name: metrics(y, p) for name, p in scores.items()}

    rng = np.random.default_rng(args.seed)
    draws: dict[str, dict[str, list[float]]] = {name: {m: [] for m in METRICS} for name in scores}
    for _ in range(args.bootstrap):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        for name, p in scores.items():
            for m, v in metrics(y[idx], p[idx]).items():
                draws[name][m].append(v)
    arrays = {name: {m: np.array(v) for m, v in d.items()} for name, d in draws.items()}
    results = {
        name: {m: {"value": point[name][m], "ci95": interval(arrays[name][m])} for m in METRICS} for name in scores
    }
    paired = {}
    for name in scores:
        if name == SERVED:
            continue
        paired[f"served minus {name}"] = {}
        for m in METRICS:
            diff = arrays[SERVED][m] - arrays[name][m]
            lo, hi = interval(diff)
            paired[f"served minus {name}"][m] = {
                "value": point[SERVED][m] - point[name][m],
                "ci95": [lo, hi],
                "significant": bool(lo > 0 or hi < 0),
            }
    goals = {
        m: {"goal": g, "value": point[SERVED][m], "met": point[SERVED][m] >= g,
            "ci95_above_goal": results[SERVED][m]["ci95"][0] >= g}
        for m, g in GOALS.items()
    }
    # Purchases within two minutes of sign-up: the table's separable burst, and what bounds recall at high precision.
    instant = data["account_age_log"].to_numpy() <= np.log1p(120 / 86400)
    ceiling = {
        "fraud_share_bought_within_2_min_of_signup": float(instant[y == 1].mean()),
        "fraud_rate_of_those_rows": float(y[instant].mean()) if instant.any() else None,
        "fraud_rate_of_the_other_rows": float(y[~instant].mean()),
    }

    print()
    print(f"{meta['protocol']}")
    print(f"--data: {len(y)} rows, {int(y.sum())} fraud ({y.mean():.2%}); bootstrap {args.bootstrap} resamples, 95 % intervals")
    print()
    print("| model | ROC-AUC | PR-AUC | recall @ P>=0.90 | recall @ P>=0.95 | recall @ 1 % FPR |")
    print("|---|---|---|---|---|---|")
    for name in scores:
        cells = [f"{results[name][m]['value']:.3f} [{results[name][m]['ci95'][0]:.3f}, {results[name][m]['ci95'][1]:.3f}]"
                 for m in METRICS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print("| paired difference | ROC-AUC | PR-AUC | recall @ P>=0.90 | recall @ P>=0.95 | recall @ 1 % FPR |")
    print("|---|---|---|---|---|---|")
    for name, diff in paired.items():
        cells = [f"{diff[m]['value']:+.3f} [{diff[m]['ci95'][0]:+.3f}, {diff[m]['ci95'][1]:+.3f}]{' *' if diff[m]['significant'] else ''}"
                 for m in METRICS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("(* the interval excludes 0)")
    print()
    for m, g in goals.items():
        print(f"goal {m} >= {g['goal']}: {g['value']:.3f} -> {'met' if g['met'] else 'NOT met'}"
              f"{' (interval above the goal)' if g['ci95_above_goal'] else ' (interval reaches below the goal)'}")
    there = ceiling["fraud_rate_of_those_rows"]
    print(f"fraud bought within 2 minutes of sign-up: {ceiling['fraud_share_bought_within_2_min_of_signup']:.1%} of --data's fraud "
          f"(fraud rate there {'n/a' if there is None else f'{there:.1%}'}, elsewhere {ceiling['fraud_rate_of_the_other_rows']:.1%})")
    print(f"statistics in {time.time() - started:.0f} s")

    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.metrics import precision_recall_curve

        fig, ax = plt.subplots(figsize=(6, 4.5))
        for name, p in scores.items():
            precision, recall, _ = precision_recall_curve(y, p)
            ax.plot(recall, precision, label=f"{name} (PR-AUC {point[name]['pr_auc']:.3f})")
        ax.axhline(0.95, color="grey", linestyle=":", linewidth=1)
        ax.axhline(y.mean(), color="grey", linestyle="--", linewidth=1, label=f"base rate {y.mean():.3f}")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(f"payment-risk on {len(y)} unseen rows ({int(y.sum())} fraud)")
        ax.legend(fontsize=8, loc="lower left")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)

    # What the card's figures need (models/common/plot_card.py): each PR curve at most 200 points, and the served
    # model's reliability in 10 equal-count bins of its score (mean score, observed fraud rate, rows).
    from sklearn.metrics import precision_recall_curve

    curves = {}
    for name, p in scores.items():
        precision, recall, _ = precision_recall_curve(y, p)
        keep = np.unique(np.linspace(0, len(recall) - 1, min(len(recall), 200)).round().astype(int))
        curves[name] = {"recall": [round(float(v), 5) for v in recall[keep]],
                        "precision": [round(float(v), 5) for v in precision[keep]], "pr_auc": point[name]["pr_auc"]}
    order = np.argsort(scores[SERVED], kind="stable")
    calibration = [
        {"mean_score": float(scores[SERVED][part].mean()), "observed_rate": float(y[part].mean()),
         "count": int(len(part))}
        for part in np.array_split(order, 10) if len(part)
    ]

    if args.out:
        spec = meta.pop("served_model")
        with open(args.out, "w") as handle:
            json.dump({**meta, "served_model_version": spec["version"], "served_model_sha256": spec["sha256"],
                       "data_rows": int(len(y)), "data_fraud": int(y.sum()), "train_rows": int(len(y_train)),
                       "train_fraud": int(y_train.sum()), "bootstrap_resamples": args.bootstrap, "seed": args.seed,
                       "baselines": {"logistic regression (baseline)": "StandardScaler + LogisticRegression(max_iter=2000)",
                                     "xgboost, default settings (baseline)": f"xgboost {xgb.__version__} XGBClassifier() defaults, n_jobs=1",
                                     REFERENCE: "the same xgboost on the served features plus one-hot source, browser, sex, and age, hour, weekday"},
                       "features": names, "results": results, "paired": paired, "goals": goals, "ceiling": ceiling,
                       "base_rate": float(y.mean()), "pr_curves": curves, "calibration_served": calibration},
                      handle, indent=2)
            handle.write("\n")


if __name__ == "__main__":
    main()
