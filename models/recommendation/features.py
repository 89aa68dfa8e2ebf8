"""Features of the demo-world recommendation models, computed exactly as the recommendation subgraph computes
them at serving time (subgraphs/recommendation/src/features.ts mirrors this file: change both together).

Attribute vocabulary of the item tower: "cat:<leaf id>", "dept:<department id>", "brand:<brand id>",
"tier:<budget|mid|premium>", "price:<band>" with band = clamp(floor(log2(price in dollars)), 0, 12).
Index 0 is padding; an attribute not in the vocabulary (a new brand) maps to 0.

Event types: view=1, click=2, add_to_cart=3, purchase=4 (0 = padding). Searches are not in sequences.
"""

import math
from typing import Dict, List

TYPE_IDS = {"view": 1, "click": 2, "add_to_cart": 3, "purchase": 4}
# Weight of an event in a user's category / brand affinities.
TYPE_WEIGHTS = {"view": 0.5, "click": 1.0, "add_to_cart": 2.0, "purchase": 3.0}
SESSION_GAP_MS = 30 * 60 * 1000
MAX_LEN = 20
PROFILE_FEATURES = ["log_events", "log_purchases"]

RANKER_FEATURES = [
    "u_cat_share",
    "u_dept_share",
    "u_brand_share",
    "u_price_gap",
    "u_log_events",
    "u_item_seen",
    "u_item_bought",
    "i_log_pop",
    "i_ctr",
    "i_cvr",
    "i_price_rel",
    "ctx_mobile",
]


def price_band(price_minor: float) -> int:
    return int(min(12, max(0, math.floor(math.log2(max(price_minor, 100) / 100.0)))))


def item_attribute_names(item) -> List[str]:
    return [
        f"cat:{item['category_id']}",
        f"dept:{item['department_id']}",
        f"brand:{item['brand_id']}",
        f"tier:{item['tier']}",
        f"price:{price_band(item['price_minor'])}",
    ]


def profile_vector(n_events: int, n_purchases: int) -> List[float]:
    return [math.log1p(n_events) / 5.0, math.log1p(n_purchases) / 3.0]


class UserState:
    """Running aggregates of one user, updated event by event (the long-term part of the feature updater)."""

    def __init__(self) -> None:
        self.cat: Dict[str, float] = {}
        self.dept: Dict[str, float] = {}
        self.brand: Dict[str, float] = {}
        self.total = 0.0
        self.events = 0
        self.purchases = 0
        self.log_price_sum = 0.0
        self.log_price_n = 0
        self.seen: set = set()
        self.bought: set = set()

    def add(self, etype: str, item) -> None:
        w = TYPE_WEIGHTS[etype]
        self.cat[item["category_id"]] = self.cat.get(item["category_id"], 0.0) + w
        self.dept[item["department_id"]] = self.dept.get(item["department_id"], 0.0) + w
        self.brand[item["brand_id"]] = self.brand.get(item["brand_id"], 0.0) + w
        self.total += w
        self.events += 1
        self.seen.add(item["item_id"])
        if etype == "click":
            self.log_price_sum += math.log(max(item["price_minor"], 1))
            self.log_price_n += 1
        if etype == "purchase":
            self.purchases += 1
            self.bought.add(item["item_id"])


def ranker_vector(state: UserState, item, stats, leaf_median: float, mobile: bool) -> List[float]:
    """stats: (views, clicks, purchases, interactions) of the item."""
    total = state.total if state.total > 0 else 1.0
    views, clicks, purchases, interactions = stats
    log_price = math.log(max(item["price_minor"], 1))
    gap = abs(log_price - state.log_price_sum / state.log_price_n) if state.log_price_n > 0 else 0.0
    return [
        state.cat.get(item["category_id"], 0.0) / total,
        state.dept.get(item["department_id"], 0.0) / total,
        state.brand.get(item["brand_id"], 0.0) / total,
        min(gap, 3.0),
        math.log1p(state.events) / 5.0,
        1.0 if item["item_id"] in state.seen else 0.0,
        1.0 if item["item_id"] in state.bought else 0.0,
        math.log1p(interactions) / 5.0,
        (clicks + 1.0) / (views + 3.0),
        (purchases + 0.2) / (clicks + 2.0),
        max(-3.0, min(3.0, math.log(max(item["price_minor"], 1) / max(leaf_median, 1)))),
        1.0 if mobile else 0.0,
    ]
