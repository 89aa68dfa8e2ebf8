"""Held-out splits: evaluate on rows (or whole groups) the model never saw."""

from typing import Optional, Sequence, Tuple

import numpy as np


def heldout_split(n: int, fraction: float = 0.2, seed: int = 7) -> Tuple[np.ndarray, np.ndarray]:
    """Shuffled train/held-out indices over n rows."""
    if not 0 < fraction < 1:
        raise ValueError("fraction must be in (0, 1)")
    order = np.random.default_rng(seed).permutation(n)
    cut = int(round(n * (1 - fraction)))
    return np.sort(order[:cut]), np.sort(order[cut:])


def split_frame(frame, fraction: float = 0.2, seed: int = 7, group: Optional[str] = None, time: Optional[str] = None):
    """Splits a pandas DataFrame into (train, held_out).

    - `time`: the last `fraction` of rows by that column are held out (no peeking into the future);
    - `group`: whole groups (e.g. a user id) go to one side, so no entity leaks across;
    - otherwise a shuffled row split.
    """
    if time is not None:
        ordered = frame.sort_values(time, kind="stable")
        cut = int(round(len(ordered) * (1 - fraction)))
        return ordered.iloc[:cut], ordered.iloc[cut:]
    if group is not None:
        groups: Sequence = frame[group].unique()
        rng = np.random.default_rng(seed)
        held = set(rng.choice(groups, size=max(1, int(round(len(groups) * fraction))), replace=False).tolist())
        mask = frame[group].isin(held)
        return frame[~mask], frame[mask]
    train_idx, held_idx = heldout_split(len(frame), fraction, seed)
    return frame.iloc[train_idx], frame.iloc[held_idx]
