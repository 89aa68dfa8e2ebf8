"""The figures the model cards link: one function per kind, each drawing from numbers an eval wrote to JSON.

Reproducible files: Agg backend, fixed size and dpi, no software/date metadata, fixed colours, so the same JSON
gives the same PNG bytes (for the same matplotlib). Run with /usr/bin/python3 (Debian's python3-matplotlib).
"""

from __future__ import annotations

from typing import Sequence, TypedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 90
METADATA = {"Software": None}
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


class Estimate(TypedDict):
    """A point estimate with its 95 % interval, as every eval JSON writes it."""

    value: float
    ci95: Sequence[float]


def _save(fig: plt.Figure, out: str) -> str:
    fig.tight_layout()
    fig.savefig(out, dpi=DPI, metadata=METADATA)
    plt.close(fig)
    return out


def metrics_by_method(
    panels: dict[str, dict[str, Estimate]],
    out: str,
    title: str,
    better: dict[str, str] | None = None,
    reference: dict[str, float] | None = None,
) -> str:
    """One panel per metric: each method's value as a point with its 95 % interval as a horizontal bar.

    `panels` maps metric name -> method name -> {value, ci95}; `better` maps a metric to "higher"/"lower" (shown in
    the panel title); `reference` draws a dotted vertical line (a goal or target) in that metric's panel.
    """
    better = better or {}
    reference = reference or {}
    methods: list[str] = []
    for by_method in panels.values():
        for name in by_method:
            if name not in methods:
                methods.append(name)
    colour = {name: COLOURS[k % len(COLOURS)] for k, name in enumerate(methods)}
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(8, 0.45 * len(methods) * len(panels) + 1.0 * len(panels) + 0.4), squeeze=False
    )
    for ax, (metric, by_method) in zip(axes[:, 0], panels.items()):
        names = [name for name in methods if name in by_method]
        for row, name in enumerate(names):
            estimate = by_method[name]
            lo, hi = estimate["ci95"]
            value = estimate["value"]
            ax.errorbar(
                value, row, xerr=[[max(value - lo, 0.0)], [max(hi - value, 0.0)]], fmt="o",
                color=colour[name], capsize=4,
            )
            ax.annotate(f"{value:.3g}", (value, row), textcoords="offset points", xytext=(0, 6), ha="center",
                        fontsize=7)
        if metric in reference:
            ax.axvline(reference[metric], color="grey", linestyle=":", linewidth=1)
        ax.set_yticks(range(len(names)), [name if len(name) <= 48 else name[:46] + "…" for name in names],
                      fontsize=8)
        ax.set_ylim(len(names) - 0.4, -0.6)
        hint = {"higher": " (higher is better)", "lower": " (lower is better)"}.get(better.get(metric, ""), "")
        ax.set_title(f"{metric}{hint}", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def reliability_diagram(bins: Sequence[dict[str, float]], out: str, title: str) -> str:
    """Observed rate against mean score per bin, with a 95 % normal interval on the rate and the diagonal of perfect
    calibration; a lower panel shows the rows per bin. When one bin's score is far above the rest (a separable burst),
    a second panel zooms into the others so they do not collapse into one point."""
    kept = [b for b in bins if b["count"] > 0]
    scores = [b["mean_score"] for b in kept]
    rates = [b["observed_rate"] for b in kept]
    counts = [b["count"] for b in kept]
    errors = [1.96 * (r * (1 - r) / n) ** 0.5 for r, n in zip(rates, counts)]
    median = sorted(scores)[len(scores) // 2]
    zoom = max(scores) > 3 * median
    fig = plt.figure(figsize=(9 if zoom else 6, 5.5))
    grid = fig.add_gridspec(2, 2 if zoom else 1, height_ratios=[3, 1])
    views = [(fig.add_subplot(grid[0, 0]), max(max(scores), max(r + e for r, e in zip(rates, errors))) * 1.1, title)]
    if zoom:
        low = [k for k, s in enumerate(scores) if s <= 2 * median]
        top = max(max(scores[k], rates[k] + errors[k]) for k in low) * 1.15
        views.append((fig.add_subplot(grid[0, 1]), top, f"zoom: the {len(low)} bins with score ≤ {top:.2f}"))
    for ax, top, heading in views:
        ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
        ax.errorbar(scores, rates, yerr=errors, fmt="o-", color=COLOURS[0], capsize=3, linewidth=1,
                    label="bins (95 % interval of the rate)")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("mean predicted probability in the bin", fontsize=9)
        ax.set_ylabel("observed rate", fontsize=9)
        ax.set_title(heading, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    views[0][0].legend(fontsize=8, loc="upper left")
    bar = fig.add_subplot(grid[1, :])
    bar.bar(range(len(counts)), counts, color=COLOURS[0])
    bar.set_xticks(range(len(counts)), [f"{s:.3g}" for s in scores], fontsize=7)
    bar.set_xlabel("bin (its mean score)", fontsize=8)
    bar.set_ylabel("rows", fontsize=8)
    bar.tick_params(axis="y", labelsize=7)
    return _save(fig, out)


def pr_curves(curves: dict[str, dict[str, Sequence[float]]], base_rate: float, out: str, title: str) -> str:
    """Precision against recall per method; `curves` maps method -> {recall, precision, pr_auc}."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for k, (name, curve) in enumerate(curves.items()):
        label = name if len(name) <= 44 else name[:42] + "…"
        ax.plot(curve["recall"], curve["precision"], color=COLOURS[k % len(COLOURS)],
                label=f"{label} (PR-AUC {curve['pr_auc']:.3f})")
    ax.axhline(base_rate, color="grey", linestyle="--", linewidth=1, label=f"base rate {base_rate:.3f}")
    ax.axhline(0.95, color="grey", linestyle=":", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall", fontsize=9)
    ax.set_ylabel("precision", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="center right")
    ax.grid(alpha=0.3)
    return _save(fig, out)


def coverage_over_time(
    panels: dict[str, dict[str, Sequence]], out: str, target: float = 0.9, band: float = 0.02,
    ylabel: str = "share delivered by it",
) -> str:
    """Coverage per period, one line per method, with the target band; `panels` maps a panel title to
    {"period": [...labels...], "<method>": [...shares...]} (one panel per holdout)."""
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.2 * len(panels)), squeeze=False)
    markers = ["o-", "s--", "^:", "d-."]
    for k, (name, series) in enumerate(panels.items()):
        ax = axes[k][0]
        periods = list(series["period"])
        ax.axhspan(target - band, target + band, color="0.85", label=f"target {target:.2f} ± {band:.2f}")
        methods = [m for m in series if m not in ("period", "orders")]
        for j, method in enumerate(methods):
            ax.plot(range(len(periods)), series[method], markers[j % len(markers)], color=COLOURS[j % len(COLOURS)],
                    label=method)
        ax.set_xticks(range(len(periods)), periods, fontsize=7, rotation=45, ha="right")
        ax.set_ylim(0.4, 1.01)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(loc="lower left", fontsize=8)
    return _save(fig, out)


def recovered_vs_true(
    true: Sequence[float], recovered: Sequence[float], out: str, title: str, what: str = "elasticity"
) -> str:
    """Recovered against true values per item, with the identity line."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.scatter(true, recovered, s=6, alpha=0.4, color=COLOURS[0], linewidths=0)
    lo = min(min(true), min(recovered))
    hi = max(max(true), max(recovered))
    ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", linewidth=1, label="recovered = true")
    ax.set_xlabel(f"true {what}", fontsize=9)
    ax.set_ylabel(f"recovered {what}", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_aspect("equal", adjustable="box")
    return _save(fig, out)
