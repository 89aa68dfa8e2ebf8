"""Progress lines the train dispatcher shows as they come (flushed at once, one line per event)."""

import sys
import time


def log(message: str) -> None:
    print(f"[train] {message}", flush=True)


def progress(step: int, total: int, **metrics: float) -> None:
    """Prints `[progress] 3/20 loss=0.4123 acc=0.9100`; call once per epoch."""
    shown = " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items())
    width = 20
    filled = int(width * step / max(total, 1))
    bar = "#" * filled + "." * (width - filled)
    print(f"[progress] [{bar}] {step}/{total} {shown}".rstrip(), flush=True)


class Timer:
    """`with Timer("training"):` logs the elapsed time."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.start = 0.0

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        log(f"{self.what}…")
        return self

    def __exit__(self, *exc: object) -> None:
        log(f"{self.what} done in {time.perf_counter() - self.start:.1f} s")


def fail(message: str) -> None:
    print(f"[train] error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)
