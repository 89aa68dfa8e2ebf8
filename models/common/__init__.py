"""Shared helpers for Aisle's model trainers (models/<model>/train.py).

Import with `from common import ...`: `npm run train` puts models/ on PYTHONPATH, and `bootstrap()` in a
train.py does the same when it is run by hand.
"""

from common.progress import log, progress, Timer
from common.seed import set_seed
from common.split import heldout_split, split_frame
from common.export import export_onnx, InputSpec, OutputSpec

__all__ = [
    "log",
    "progress",
    "Timer",
    "set_seed",
    "heldout_split",
    "split_frame",
    "export_onnx",
    "InputSpec",
    "OutputSpec",
]
