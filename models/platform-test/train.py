"""Trains the platform test model: a 2-layer MLP over 6 dense features and a category embedding, 3 classes.

    /usr/bin/python3 models/platform-test/train.py --data <dir from export-data.ts> --out models/platform-test

It exists to test the serving platform (@aisle/ml) with a real, tiny ONNX model: a float32 input with named
features, an int64 id input with a vocabulary, and two outputs (logits and probabilities).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/, for `common`

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import InputSpec, OutputSpec, Timer, export_onnx, heldout_split, log, progress, set_seed  # noqa: E402

VERSION = "1.0.0"
FEATURES = [f"x{j}" for j in range(6)]
CATEGORIES = 16
CLASSES = 3


class PlatformTestNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(CATEGORIES, 4)
        self.hidden = nn.Linear(len(FEATURES) + 4, 16)
        self.out = nn.Linear(16, CLASSES)

    def forward(self, features: torch.Tensor, category_id: torch.Tensor):
        x = torch.cat([features, self.embedding(category_id[:, 0])], dim=1)
        logits = self.out(torch.relu(self.hidden(x)))
        return logits, torch.softmax(logits, dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    set_seed(args.seed)

    frame = pd.read_csv(os.path.join(args.data, "platform-test.csv"))
    x = torch.tensor(frame[FEATURES].to_numpy(np.float32))
    c = torch.tensor(frame[["category_id"]].to_numpy(np.int64))
    y = torch.tensor(frame["label"].to_numpy(np.int64))
    train_idx, held_idx = heldout_split(len(frame), 0.2, args.seed)
    log(f"{len(train_idx)} training rows, {len(held_idx)} held out")

    model = PlatformTestNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    with Timer("training"):
        for epoch in range(1, args.epochs + 1):
            model.train()
            order = torch.tensor(np.random.permutation(train_idx))
            total = 0.0
            for start in range(0, len(order), 128):
                batch = order[start : start + 128]
                optimiser.zero_grad()
                logits, _ = model(x[batch], c[batch])
                loss = loss_fn(logits, y[batch])
                loss.backward()
                optimiser.step()
                total += loss.item() * len(batch)
            model.eval()
            with torch.no_grad():
                held_acc = (model(x[held_idx], c[held_idx])[0].argmax(1) == y[held_idx]).float().mean().item()
            progress(epoch, args.epochs, loss=total / len(train_idx), heldout_accuracy=held_acc)

    majority = int(torch.bincount(y[train_idx]).argmax())
    baseline = (y[held_idx] == majority).float().mean().item()
    log(f"held-out accuracy {held_acc:.4f} vs majority-class baseline {baseline:.4f}")

    export_onnx(
        model,
        inputs=[
            InputSpec("features", x[held_idx], features=FEATURES),
            InputSpec("category_id", c[held_idx], vocabulary_size=CATEGORIES),
        ],
        outputs=[OutputSpec("logits"), OutputSpec("probabilities")],
        out_dir=args.out,
        name="platform-test",
        version=VERSION,
        description="Tiny 2-layer MLP on a synthetic 3-class task; serves the @aisle/ml platform tests and bench.",
        metrics={"heldout_accuracy": held_acc, "baseline_accuracy": baseline},
    )


if __name__ == "__main__":
    main()
