"""Deterministic training: one seed for python, numpy and torch."""

import os
import random

import numpy as np
import torch


def set_seed(seed: int) -> np.random.Generator:
    """Seeds every generator and returns a numpy Generator to use for data work."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    # Small models on 2 shared cores: one torch thread unless the caller asked otherwise.
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    return np.random.default_rng(seed)
