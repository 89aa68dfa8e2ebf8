"""P90 calibration over time of the served delivery model on unseen orders: the figure CARD.md links.

    npm run eval -- logistics --train <dir> --data <dir> --holdout interleaved --rows rows.csv
    /usr/bin/python3 models/logistics/plot.py --rows rows.csv [--rows other.csv] --out models/logistics/p90-by-month.png

For each month of purchase: the share of orders delivered by the model's P90, by the per-state P90 and by the
marketplace's estimated date, with the 0.90 +- 0.02 target band; one panel per rows file.
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", action="append", required=True, help="a --rows CSV of eval.ts (repeat for more panels)")
    parser.add_argument("--title", action="append", default=[], help="one per --rows")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    fig, axes = plt.subplots(len(args.rows), 1, figsize=(9, 3.2 * len(args.rows)), squeeze=False)
    for k, path in enumerate(args.rows):
        rows = pd.read_csv(path, parse_dates=["purchased"])
        rows["month"] = rows["purchased"].dt.to_period("M").dt.to_timestamp()
        monthly = rows.groupby("month").agg(
            orders=("days", "size"),
            model=("days", lambda s: (s <= rows.loc[s.index, "model_p90"]).mean()),
            per_state=("days", lambda s: (s <= rows.loc[s.index, "state_p90"]).mean()),
            marketplace=("days", lambda s: (s <= rows.loc[s.index, "estimate"]).mean()),
        )
        monthly = monthly[monthly["orders"] >= 20]
        ax = axes[k][0]
        ax.axhspan(0.88, 0.92, color="0.85", label="target 0.90 ± 0.02")
        ax.plot(monthly.index, monthly["model"], "o-", label="model P90 (served)")
        ax.plot(monthly.index, monthly["per_state"], "s--", label="per-state P90")
        ax.plot(monthly.index, monthly["marketplace"], "^:", label="marketplace estimate")
        ax.set_ylim(0.4, 1.01)
        ax.set_ylabel("share delivered by it")
        ax.set_title(args.title[k] if k < len(args.title) else path, fontsize=10)
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(loc="lower left", fontsize=8)
    axes[-1][0].set_xlabel("month of purchase (months with at least 20 scored orders)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
