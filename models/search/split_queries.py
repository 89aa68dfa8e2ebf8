"""Splits a relevance folder (crowdflower_search format) by query into a training part A and a held-back part B,
to score a ranking on queries its training never saw (models/search/CARD.md, "unseen queries").

    /usr/bin/python3 models/search/split_queries.py <dataset dir> <name>   # writes /tmp/h_ltr/<name>-{A,B}

A query goes to B when the first byte of sha256("split:<query_id>") is below 77 (about 30 %). products.csv is
linked, not copied (the data stays where it is); queries.csv and qrels.txt are filtered.
"""

import csv
import hashlib
import os
import sys


def part(query_id: str) -> str:
    return "B" if hashlib.sha256(f"split:{query_id}".encode()).digest()[0] < 77 else "A"


def main() -> None:
    src, name = sys.argv[1], sys.argv[2]
    out = {k: f"/tmp/h_ltr/{name}-{k}" for k in "AB"}
    for d in out.values():
        os.makedirs(d, exist_ok=True)
        link = os.path.join(d, "products.csv")
        if not os.path.exists(link):
            os.symlink(os.path.join(src, "products.csv"), link)
    rows = list(csv.reader(open(os.path.join(src, "queries.csv"), newline="")))
    writers = {k: csv.writer(open(os.path.join(d, "queries.csv"), "w", newline="")) for k, d in out.items()}
    counts = {"A": 0, "B": 0}
    for w in writers.values():
        w.writerow(rows[0])
    for r in rows[1:]:
        writers[part(r[0])].writerow(r)
        counts[part(r[0])] += 1
    qrels = {k: open(os.path.join(d, "qrels.txt"), "w") for k, d in out.items()}
    for line in open(os.path.join(src, "qrels.txt")):
        fields = line.split()
        if len(fields) >= 4:
            qrels[part(fields[0])].write(line)
    print(name, counts)


if __name__ == "__main__":
    main()
