"""Draws a model card's figures from the eval JSON committed beside it.

    /usr/bin/python3 models/common/plot_card.py <eval.json | model dir> [...]

Each JSON gives `<its name>-<kind>.png` in its folder; a model dir means every eval*.json and elasticity.json in
it. What is drawn depends on what the JSON holds (written by the evals, which call this at their end):

- `results` (payment-risk) or `metrics` (logistics): method -> metric -> {value, ci95}  ->  -metrics.png
- `wape_with_95ci_over_items` / `_over_products` (demand, pricing)                   ->  -metrics.png
- `rows[].vsBm25` (search: each mode's paired nDCG@10 difference to BM25; `rows[].ndcg10Ci95`, when
  written, adds each mode's nDCG@10 with its interval)                                 ->  -metrics.png
- `pr_curves` (payment-risk)                                                          ->  -pr.png
- `calibration_served` (payment-risk: 10 equal-count bins of the served score)       ->  -reliability.png
- `p90_coverage_by_month` (logistics)                                                 ->  -p90-by-month.png
- `sample_pairs` (pricing elasticity.json: [true, recovered] per product)            ->  -recovered.png
"""

from __future__ import annotations

import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import plots  # noqa: E402

FRAUD_BETTER = {m: "higher" for m in
                ["roc_auc", "pr_auc", "recall_at_precision_0_90", "recall_at_precision_0_95", "recall_at_fpr_0_01"]}
DELIVERY_BETTER = {"p50_mae_days": "lower", "mean_p90_days": "lower", "late_promise_rate": "lower"}


def _by_metric(by_method: dict[str, dict[str, plots.Estimate]]) -> dict[str, dict[str, plots.Estimate]]:
    panels: dict[str, dict[str, plots.Estimate]] = {}
    for method, metrics in by_method.items():
        for metric, estimate in metrics.items():
            if isinstance(estimate, dict) and "ci95" in estimate:
                panels.setdefault(metric, {})[method] = estimate
    return panels


def _wape(table: dict[str, dict]) -> dict[str, dict[str, plots.Estimate]]:
    plain = {k: {"value": v["wape"], "ci95": v["ci95"]} for k, v in table.items() if not k.startswith("model_minus_")}
    paired = {k.replace("model_minus_", "model − "): {"value": v["wape"], "ci95": v["ci95"]}
              for k, v in table.items() if k.startswith("model_minus_")}
    return {"WAPE": plain, **({"paired difference in WAPE (model − baseline)": paired} if paired else {})}


def plot_json(path: str) -> list[str]:
    with open(path) as handle:
        report = json.load(handle)
    stem = os.path.splitext(path)[0]
    model = os.path.basename(os.path.dirname(os.path.abspath(path)))
    name = os.path.basename(stem)
    written: list[str] = []
    if "results" in report:
        goals = {m: g["goal"] for m, g in report.get("goals", {}).items()}
        written.append(plots.metrics_by_method(
            _by_metric(report["results"]), f"{stem}-metrics.png",
            f"{model} {name}: {report.get('data_rows', '?')} rows, 95 % bootstrap intervals (dotted: goal)",
            FRAUD_BETTER, goals))
    if "metrics" in report and isinstance(report["metrics"], dict):
        written.append(plots.metrics_by_method(
            _by_metric(report["metrics"]), f"{stem}-metrics.png",
            f"{model} {name}: {report.get('scored_orders', '?')} orders, 95 % bootstrap intervals",
            DELIVERY_BETTER, {"p90_coverage": 0.9}))
    for key in ("wape_with_95ci_over_items", "wape_with_95ci_over_products"):
        if key in report:
            over = key.rsplit("_", 1)[-1]
            written.append(plots.metrics_by_method(
                _wape(report[key]), f"{stem}-metrics.png",
                f"{model} {name}: held-out WAPE, 95 % bootstrap over {over} (lower is better)",
                {"WAPE": "lower"}, {"paired difference in WAPE (model − baseline)": 0.0}))
    paired = {r["mode"]: {"value": r["vsBm25"]["mean"], "ci95": r["vsBm25"]["ci95"]}
              for r in report.get("rows", []) if isinstance(r, dict) and isinstance(r.get("vsBm25"), dict)}
    absolute = {r["mode"]: {"value": r["ndcg10"], "ci95": r["ndcg10Ci95"]}
                for r in report.get("rows", []) if isinstance(r, dict) and "ndcg10Ci95" in r}
    if paired:
        panel = "nDCG@10 minus BM25's, paired per query"
        whole = "nDCG@10, full corpus"
        bm25 = absolute.get("bm25", {}).get("value")
        written.append(plots.metrics_by_method(
            {**({whole: absolute} if absolute else {}), panel: paired}, f"{stem}-metrics.png",
            f"{model} {name}: {report.get('queries', '?')} queries, 95 % bootstrap intervals (dotted: BM25)",
            {whole: "higher", panel: "higher"}, {panel: 0.0, **({whole: bm25} if bm25 is not None else {})}))
    if "pr_curves" in report:
        written.append(plots.pr_curves(
            report["pr_curves"], report["base_rate"], f"{stem}-pr.png",
            f"{model} {name}: {report.get('data_rows', '?')} unseen rows ({report.get('data_fraud', '?')} fraud)"))
    if "calibration_served" in report:
        written.append(plots.reliability_diagram(
            report["calibration_served"], f"{stem}-reliability.png",
            f"{model} {name}: served score, 10 equal-count bins"))
    if "p90_coverage_by_month" in report:
        months = report["p90_coverage_by_month"]
        labels = {"model": "model P90 (served)", "per_state": "per-state P90",
                  "marketplace_estimate": "marketplace estimate"}
        series = {labels.get(k, k): v for k, v in months.items()}
        series["period"] = [f"{p} ({n})" for p, n in zip(months["period"], months["orders"])]
        written.append(plots.coverage_over_time(
            {f"{model} {name}: P90 coverage by month of purchase (scored orders in brackets)": series},
            f"{stem}-p90-by-month.png"))
    if "sample_pairs" in report:
        pairs = report["sample_pairs"]
        written.append(plots.recovered_vs_true(
            [p[0] for p in pairs], [p[1] for p in pairs], f"{stem}-recovered.png",
            f"{report.get('model', model)}: {len(pairs)} of {report.get('products', '?')} products "
            f"(correlation {report.get('product_elasticity_correlation', float('nan')):.2f} over all)"))
    return written


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    paths: list[str] = []
    for arg in argv:
        if os.path.isdir(arg):
            found = glob.glob(os.path.join(arg, "eval*.json")) + glob.glob(os.path.join(arg, "elasticity.json"))
            paths += sorted(found)
        else:
            paths.append(arg)
    for path in paths:
        for out in plot_json(path):
            print(f"wrote {out} ({os.path.getsize(out) // 1024} KiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
