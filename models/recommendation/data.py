"""Interaction logs the recommendation models train on, read in place into one shape (`Log`).

Three formats:
- the demo world (`export-data.ts` output: a folder with items.csv and events.csv);
- amazon_seqrec (`<name>.txt`: `user item item ...` in time order, item ids from 1; optional
  `<name>_item2attributes.json`: item id -> list of attribute ids). Every event is a purchase (type 4: a review
  follows a purchase);
- NDJSON events, one per line: {"user", "item", "type", "time"} with type view / click / add_to_cart / purchase
  (other types are skipped and counted); optional "attributes": [strings] naming the item's attributes.

Held-out users (`holdout_user`): FNV-1a 32-bit of the user id's UTF-8 bytes, `% 5 == 0`. The TypeScript eval
uses the same rule (see models/recommendation/CARD.md). `user_id % 5 == 0` cannot be used on the shared Amazon
copy: those users were removed from it.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from features import SESSION_GAP_MS, TYPE_IDS, item_attribute_names

PURCHASE = TYPE_IDS["purchase"]
HOLDOUT_RULE = "fnv1a32(utf8(user id)) % 5 == 0"
VALIDATION_RULE = "training users with (fnv1a32(utf8(user id)) // 5) % 10 == 0"
AMAZON_ATTR_SLOTS = 8
NDJSON_ATTR_SLOTS = 8


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def holdout_user(user: str) -> bool:
    """The fixed held-out rule: these users are never trained on when --holdout-users is given."""
    return fnv1a32(user) % 5 == 0


def validation_user(user: str) -> bool:
    """Training users whose tail is kept for early stopping (never a held-out user)."""
    h = fnv1a32(user)
    return h % 5 != 0 and (h // 5) % 10 == 0


@dataclass
class Log:
    source: str  # "demo" | "amazon_seqrec" | "ndjson"
    dataset: str
    users: List[str]
    # Per user, time-ordered events: item ids (strings) and type ids (1..4).
    items: List[List[str]]
    types: List[List[int]]
    # Attribute names of each item, in order (first `attr_slots` are used).
    item_attributes: Dict[str, List[str]]
    attr_slots: int
    attribute_scheme: str
    default_type: Optional[int] = None
    # Per user, the index where the validation tail starts (events before it are the validation input), or None:
    # demo/NDJSON = the first event of the last session; Amazon = the last item.
    tail_start: List[Optional[int]] = field(default_factory=list)
    # Demo world only: the raw frames for the ranker.
    frames: Optional[tuple] = None
    skipped: int = 0

    def stats(self) -> str:
        n = sum(len(s) for s in self.items)
        distinct = len({i for s in self.items for i in s})
        return f"{self.source} {self.dataset}: {len(self.users)} users, {distinct} items, {n} events, {self.skipped} lines/events skipped"


def _session_tail(times: List[int]) -> Optional[int]:
    """Index of the first event of the last session (30-minute gaps), or None with a single session."""
    start = None
    for i in range(1, len(times)):
        if times[i] - times[i - 1] > SESSION_GAP_MS:
            start = i
    return start


def read_demo(folder: Path) -> Log:
    import pandas as pd

    items = pd.read_csv(folder / "items.csv", dtype={"item_id": str, "category_id": str, "department_id": str, "brand_id": str})
    events = pd.read_csv(folder / "events.csv", dtype={"user_id": str, "item_id": str})
    events = events[events["type"] != "search"].sort_values(["user_id", "at"], kind="stable")
    records = items.to_dict("records")
    attributes = {r["item_id"]: item_attribute_names(r) for r in records}
    users, seqs, types, tails = [], [], [], []
    for user, group in events.groupby("user_id", sort=False):
        users.append(user)
        seqs.append(group["item_id"].tolist())
        types.append([TYPE_IDS[t] for t in group["type"]])
        tails.append(_session_tail(group["at"].tolist()))
    log = Log("demo", "demo-world", users, seqs, types, attributes, 5, "demo", None, tails, frames=(items, events))
    return log


def read_amazon(path: Path) -> Log:
    name = path.stem
    users, seqs = [], []
    with path.open() as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2 or not all(p.isdigit() for p in parts):
                raise SystemExit(f"{path}:{line_no}: expected `user item ...` with integer ids, got {line[:60]!r}")
            users.append(parts[0])
            seqs.append(parts[1:])
    attr_path = path.with_name(f"{name}_item2attributes.json")
    attributes: Dict[str, List[str]] = {}
    slots, scheme = 1, "none"
    if attr_path.exists():
        raw = json.loads(attr_path.read_text())
        attributes = {str(k): [f"attr:{v}" for v in values][:AMAZON_ATTR_SLOTS] for k, values in raw.items()}
        slots, scheme = AMAZON_ATTR_SLOTS, "amazon"
    types = [[PURCHASE] * len(s) for s in seqs]
    tails = [len(s) - 1 if len(s) >= 2 else None for s in seqs]
    return Log("amazon_seqrec", name, users, seqs, types, attributes, slots, scheme, PURCHASE, tails)


def read_ndjson(path: Path) -> Log:
    by_user: Dict[str, List[Tuple[float, int, str, int]]] = {}
    attributes: Dict[str, List[str]] = {}
    skipped = 0
    with path.open() as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
                user, item, etype, time = str(event["user"]), str(event["item"]), event["type"], event["time"]
            except (ValueError, KeyError, TypeError):
                skipped += 1
                continue
            if etype not in TYPE_IDS:
                skipped += 1
                continue
            if isinstance(time, str):
                from datetime import datetime

                try:
                    time = datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp() * 1000
                except ValueError:
                    skipped += 1
                    continue
            if not isinstance(time, (int, float)) or math.isnan(time):
                skipped += 1
                continue
            attrs = event.get("attributes")
            if item not in attributes and isinstance(attrs, list):
                attributes[item] = [str(a) for a in attrs][:NDJSON_ATTR_SLOTS]
            by_user.setdefault(user, []).append((float(time), line_no, item, TYPE_IDS[etype]))
    users, seqs, types, tails = [], [], [], []
    for user, rows in by_user.items():
        rows.sort()
        users.append(user)
        seqs.append([r[2] for r in rows])
        types.append([r[3] for r in rows])
        # Times in ms or s: a 30-minute gap either way would need the unit; take ms when values look like ms.
        times = [r[0] if r[0] > 1e11 else r[0] * 1000 for r in rows]
        tails.append(_session_tail(times) or (_last_item_run(seqs[-1]) if len(seqs[-1]) >= 2 else None))
    slots = NDJSON_ATTR_SLOTS if attributes else 1
    return Log("ndjson", path.stem, users, seqs, types, attributes, slots, "ndjson" if attributes else "none", None, tails, skipped=skipped)


def _last_item_run(seq: List[str]) -> Optional[int]:
    """Start of the final run of the last item (view, click, purchase of one item): the tail to predict."""
    i = len(seq) - 1
    while i > 0 and seq[i - 1] == seq[-1]:
        i -= 1
    return i if i > 0 else None


def read_log(data: str, dataset: Optional[str]) -> Log:
    """--data: a demo export folder, an amazon_seqrec folder (+ dataset name) or .txt file, or an NDJSON file."""
    path = Path(data)
    if path.is_dir():
        if (path / "events.csv").exists() and (path / "items.csv").exists():
            return read_demo(path)
        names = sorted(p.stem for p in path.glob("*.txt"))
        if dataset is None:
            if len(names) != 1:
                raise SystemExit(f"{path} holds {', '.join(names) or 'no <name>.txt'}: name one with --dataset")
            dataset = names[0]
        if dataset not in names:
            raise SystemExit(f"no {dataset}.txt in {path} (found: {', '.join(names) or 'none'})")
        return read_amazon(path / f"{dataset}.txt")
    if not path.exists():
        raise SystemExit(f"--data {path} does not exist")
    if path.suffix == ".txt":
        return read_amazon(path)
    if path.suffix in (".ndjson", ".jsonl", ".json"):
        return read_ndjson(path)
    raise SystemExit(f"--data {path}: expected a folder, a <name>.txt (amazon_seqrec) or an .ndjson / .jsonl file")
