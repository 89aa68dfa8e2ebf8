"""Text features of the search two-tower, mirroring subgraphs/search/src/text.ts byte for byte.

`normalize_text`, `words` and `hashed_token_ids` must give the same ids as `normalizeText`, `words` and
`hashedTokenIds` in TypeScript; parity is checked by subgraphs/search/src/text.test.ts against
models/search/parity-ids.json, which train.py writes.
"""

import re
import unicodedata
from typing import List

BUCKETS = 16384
QUERY_LENGTH = 64
ITEM_LENGTH = 96

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not ("\u0300" <= ch <= "\u036f"))
    return _NON_ALNUM.sub(" ", stripped.lower()).strip()


def words(text: str) -> List[str]:
    normalized = normalize_text(text)
    return [] if normalized == "" else normalized.split(" ")


def fnv1a(text: str) -> int:
    h = 0x811C9DC5
    for ch in text:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def hashed_token_ids(text: str, buckets: int = BUCKETS, max_length: int = ITEM_LENGTH) -> List[int]:
    ids: List[int] = []
    for word in words(text):
        padded = f"#{word}#"
        tokens = [f"w:{word}"] + [padded[i : i + 3] for i in range(len(padded) - 2)]
        for token in tokens:
            if len(ids) >= max_length:
                return ids
            ids.append(1 + fnv1a(token) % (buckets - 1))
    return ids
