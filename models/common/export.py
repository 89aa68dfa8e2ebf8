"""ONNX export that the serving side can trust.

`export_onnx` exports at opset 17 with named inputs/outputs and a dynamic batch axis, checks the file with
onnx's checker, checks onnxruntime (the runtime the subgraphs use, via node) gives torch's outputs on a sample,
and writes model.json (name, version, file, sha256, inputs/outputs with dtypes, shapes, feature order and
vocabulary sizes) for the manifest. See subgraphs/ml/README.md for the format.
"""

import datetime as _dt
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import onnx
import torch

from common.progress import log

REPO = Path(__file__).resolve().parents[2]
OPSET = 17

_ONNX_DTYPES = {
    onnx.TensorProto.FLOAT: "float32",
    onnx.TensorProto.DOUBLE: "float64",
    onnx.TensorProto.INT32: "int32",
    onnx.TensorProto.INT64: "int64",
    onnx.TensorProto.BOOL: "bool",
    onnx.TensorProto.UINT8: "uint8",
    onnx.TensorProto.INT8: "int8",
}


@dataclass
class InputSpec:
    """One model input: its name, an example batch (axis 0 = rows), and what the serving side must know."""

    name: str
    example: torch.Tensor
    # Column names of the last axis, in order (dense inputs).
    features: Optional[List[str]] = None
    # For id inputs: ids must be in [0, vocabulary_size); the serving side refuses others per row.
    vocabulary_size: Optional[int] = None
    # Dynamic axes besides the batch, e.g. {1: "seq"}.
    dynamic: Dict[int, str] = field(default_factory=dict)


@dataclass
class OutputSpec:
    name: str
    dynamic: Dict[int, str] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shape_of(value_info, fallback: Sequence[int]) -> List[Union[int, str]]:
    dims = value_info.type.tensor_type.shape.dim
    if len(dims) == 0:
        return ["batch", *fallback[1:]]
    shape: List[Union[int, str]] = []
    for i, d in enumerate(dims):
        if d.dim_param:
            shape.append(d.dim_param)
        elif d.dim_value > 0:
            shape.append(int(d.dim_value))
        else:
            shape.append("batch" if i == 0 else int(fallback[i]))
    return shape


def _tensor_json(t: np.ndarray) -> dict:
    return {"dims": list(t.shape), "data": t.reshape(-1).tolist()}


def _parity_check(onnx_path: Path, parity_path: Path) -> None:
    node = shutil.which("node")
    script = REPO / "models/common/parity.mjs"
    if node is None:
        log("warning: node not found; onnxruntime parity not checked")
        return
    result = subprocess.run([node, str(script), str(onnx_path), str(parity_path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"onnxruntime output differs from torch:\n{result.stdout}{result.stderr}")
    log(f"parity: {result.stdout.strip()}")


def export_onnx(
    model: torch.nn.Module,
    inputs: Sequence[InputSpec],
    outputs: Sequence[Union[OutputSpec, str]],
    out_dir: Union[str, Path],
    name: str,
    version: str,
    description: str = "",
    metrics: Optional[Dict[str, float]] = None,
    parity_rows: int = 8,
    tolerance: float = 1e-4,
) -> dict:
    """Exports `model` (forward(*inputs) -> tuple of outputs, in `outputs` order) and writes model.json.

    Returns the model.json content. Raises when the checker, the names or the parity check fail.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    outs = [o if isinstance(o, OutputSpec) else OutputSpec(o) for o in outputs]
    onnx_path = out / f"{name}.onnx"
    model.eval()
    examples = tuple(spec.example[: max(parity_rows, 2)] for spec in inputs)
    dynamic_axes = {spec.name: {0: "batch", **spec.dynamic} for spec in inputs}
    dynamic_axes.update({o.name: {0: "batch", **o.dynamic} for o in outs})
    with torch.no_grad():
        torch.onnx.export(
            model,
            examples,
            str(onnx_path),
            input_names=[s.name for s in inputs],
            output_names=[o.name for o in outs],
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            do_constant_folding=True,
        )
        expected = model(*examples)
    if isinstance(expected, torch.Tensor):
        expected = (expected,)

    graph_model = onnx.load(str(onnx_path))
    onnx.checker.check_model(graph_model)
    graph_inputs = [i for i in graph_model.graph.input if i.name not in {t.name for t in graph_model.graph.initializer}]
    got_in = [i.name for i in graph_inputs]
    got_out = [o.name for o in graph_model.graph.output]
    if got_in != [s.name for s in inputs] or got_out != [o.name for o in outs]:
        raise RuntimeError(f"exported names differ: inputs {got_in}, outputs {got_out}")

    input_json = []
    for spec, info in zip(inputs, graph_inputs):
        entry = {
            "name": spec.name,
            "dtype": _ONNX_DTYPES[info.type.tensor_type.elem_type],
            "shape": _shape_of(info, list(spec.example.shape)),
        }
        if spec.features is not None:
            if len(spec.features) != spec.example.shape[-1]:
                raise RuntimeError(f"{spec.name}: {len(spec.features)} feature names for {spec.example.shape[-1]} columns")
            entry["features"] = list(spec.features)
        if spec.vocabulary_size is not None:
            entry["vocabularySize"] = int(spec.vocabulary_size)
        input_json.append(entry)
    output_json = [
        {
            "name": o.name,
            "dtype": _ONNX_DTYPES[info.type.tensor_type.elem_type],
            "shape": _shape_of(info, list(t.shape)),
        }
        for o, info, t in zip(outs, graph_model.graph.output, expected)
    ]

    parity = {
        "tolerance": tolerance,
        "inputs": {
            s.name: {"dtype": e["dtype"], **_tensor_json(x.detach().cpu().numpy())}
            for s, e, x in zip(inputs, input_json, examples)
        },
        "outputs": {o.name: _tensor_json(t.detach().cpu().numpy()) for o, t in zip(outs, expected)},
    }
    parity_path = out / "parity.json"
    parity_path.write_text(json.dumps(parity) + "\n")
    _parity_check(onnx_path, parity_path)

    spec_json = {
        "name": name,
        "version": version,
        "file": onnx_path.name,
        "sha256": _sha256(onnx_path),
        "opset": OPSET,
        "inputs": input_json,
        "outputs": output_json,
        "description": description,
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
        "trainedAt": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    (out / "model.json").write_text(json.dumps(spec_json, indent=2) + "\n")
    log(f"exported {onnx_path} ({onnx_path.stat().st_size / 1024:.1f} KiB), sha256 {spec_json['sha256'][:12]}…")
    return spec_json
