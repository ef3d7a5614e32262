#!/usr/bin/python3
"""Writes the one-operator ONNX models that the benchmark driver times with ONNX Runtime (inference only).

Called by the C# driver at bench time (models are not committed): it writes each case's parameters as raw
float32 files, then runs this script with a manifest, so the models hold exactly the parameters every other
implementation uses. Each model is one standard ONNX operator with its parameters as initializers (as an
exported model has them) and a symbolic batch dimension:

  batchnorm          BatchNormalization (opset 15, inference), X (N, C) or (N, C, S), running statistics given
  layernorm          LayerNormalization (opset 17), axis -1, X (N, C)
  groupnorm          GroupNormalization (opset 21: per-channel scale and bias), X (N, C, S)
  rmsnorm            RMSNormalization (opset 23), axis -1, X (N, C), scale only

Debian's python3-onnx (1.12) knows opsets up to 17; the opset 21 and 23 nodes are written with onnx.helper (which
does not check schemas) and the checker runs only on opset <= 17 models. ONNX Runtime, which has its own schemas,
decides whether it accepts them; the driver reports "n/a" with its message if not.

Manifest (JSON): {"models": [{"kind", "n", "c", "s", "groups", "params": DIR, "output": PATH}, ...]};
DIR holds gamma.f32, beta.f32 and, for batch norm, running_mean.f32 and running_var.f32 (C float32 each).
Run with /usr/bin/python3.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EPSILON = 1e-5
# The IR version that came with each opset (onnx/docs/Versioning.md): 15 and 17 -> 8, 21 -> 10, 23 -> 11.
IR_VERSION = {15: 8, 17: 8, 21: 10, 23: 11}


def read_floats(directory, name, count):
    values = np.fromfile(os.path.join(directory, name), dtype="<f4")
    if values.size != count:
        raise ValueError(f"{name}: expected {count} floats, found {values.size}")
    return values.astype(np.float32)


def build(spec):
    kind, c, s = spec["kind"], spec["c"], spec["s"]
    params = spec["params"]
    gamma = numpy_helper.from_array(read_floats(params, "gamma.f32", c), "scale")
    beta = numpy_helper.from_array(read_floats(params, "beta.f32", c), "bias")
    rank3 = kind in ("batchnorm-spatial", "groupnorm")
    dims = ["N", c, s] if rank3 else ["N", c]
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, dims)
    if kind.startswith("batchnorm"):
        mean = numpy_helper.from_array(read_floats(params, "running_mean.f32", c), "mean")
        var = numpy_helper.from_array(read_floats(params, "running_var.f32", c), "var")
        node = helper.make_node("BatchNormalization", ["X", "scale", "bias", "mean", "var"], ["Y"], epsilon=EPSILON)
        initializers, opset = [gamma, beta, mean, var], 15
    elif kind == "layernorm":
        node = helper.make_node("LayerNormalization", ["X", "scale", "bias"], ["Y"], axis=-1, epsilon=EPSILON)
        initializers, opset = [gamma, beta], 17
    elif kind == "groupnorm":
        node = helper.make_node("GroupNormalization", ["X", "scale", "bias"], ["Y"],
                                num_groups=spec["groups"], epsilon=EPSILON)
        initializers, opset = [gamma, beta], 21
    elif kind == "rmsnorm":
        node = helper.make_node("RMSNormalization", ["X", "scale"], ["Y"], axis=-1, epsilon=EPSILON)
        initializers, opset = [gamma], 23
    else:
        raise ValueError(f"unknown kind '{kind}'")
    graph = helper.make_graph([node], f"normgen_bench_{kind}", [x], [y], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="normgen build/make_bench_onnx.py")
    model.ir_version = IR_VERSION[opset]
    if opset <= onnx.defs.onnx_opset_version():
        onnx.checker.check_model(model)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, help="JSON manifest written by the driver")
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as handle:
        manifest = json.load(handle)
    for spec in manifest["models"]:
        onnx.save(build(spec), spec["output"])
    print(f"wrote {len(manifest['models'])} models (onnx {onnx.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
