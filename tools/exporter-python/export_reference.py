#!/usr/bin/env python3
"""Write a KerasPort reference file (<case>.ref.h5) for a Keras model, using Keras itself.

Same layout as the Node exporter (tools/exporter-node) and DL4J's *_inputs_and_outputs.h5:
  root attrs  inputs  = '{"inputs": [names]}', outputs = '{"outputs": [names]}',
              dtype = "float32" | "float64", source = "keras", generator
  inputs/<input name>, predictions/<output name>, activations/<layer name>
  calls/<k>/inputs/<name>, calls/<k>/predictions/<name>   (only with --calls > 1, for stateful models)
Output names: the output layer's name, or "<layer>__<k>" for tensor index k > 0 (e.g. return_state).

Usage:
  python export_reference.py MODEL_FILE OUT.ref.h5 [--batch 2] [--seed 1] [--calls 1]
  python export_reference.py --builder my_builder.py OUT.ref.h5 ...   (my_builder.py defines build() -> model)

Inputs are seeded standard-normal float32 (or the model dtype); integer inputs (Embedding) are drawn in
[1, input_dim). This script was NOT run where it was written (no TensorFlow there).
"""
import argparse
import json
import runpy

import h5py
import numpy as np


def load_model(args):
    import keras  # Keras 3, or tf.keras via TF_USE_LEGACY_KERAS
    if args.builder:
        return runpy.run_path(args.builder)["build"]()
    return keras.models.load_model(args.model, compile=False)


def embedding_dim_for(model, input_index):
    """input_dim of an Embedding fed directly by this input, else None."""
    inp = model.inputs[input_index]
    for layer in model.layers:
        if layer.__class__.__name__ == "Embedding":
            for node_input in _inbound_tensors(layer):
                if node_input is inp:
                    return layer.input_dim
    return None


def _inbound_tensors(layer):
    try:
        x = layer.input
    except Exception:  # several inbound nodes
        return []
    return x if isinstance(x, (list, tuple)) else [x]


def output_names(model):
    names = []
    for t in model.outputs:
        history = getattr(t, "_keras_history", None)
        layer, _node, index = history[0], history[1], history[2]
        names.append(layer.name if index == 0 else f"{layer.name}__{index}")
    return names


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", nargs="?")
    p.add_argument("out")
    p.add_argument("--builder")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--calls", type=int, default=1)
    args = p.parse_args()
    if not args.model and not args.builder:
        p.error("give MODEL_FILE or --builder")

    import keras
    model = load_model(args)
    dtype = "float64" if any(w.dtype == "float64" for w in model.weights) else "float32"
    rng = np.random.default_rng(args.seed)
    in_names = [t._keras_history[0].name for t in model.inputs]
    out_names = output_names(model)

    # Every layer's output through one sub-model (layers with one output tensor only).
    act_layers = [l for l in model.layers if l.__class__.__name__ != "InputLayer" and not isinstance(l.output, (list, tuple))]
    probe = keras.Model(model.inputs, [l.output for l in act_layers]) if act_layers else None

    calls = []
    for _ in range(args.calls):
        feeds = []
        for i, t in enumerate(model.inputs):
            shape = [args.batch] + [int(d) for d in t.shape[1:]]
            vocab = embedding_dim_for(model, i)
            if vocab is not None:
                feeds.append(rng.integers(1, vocab, size=shape).astype(dtype))
            else:
                feeds.append(rng.standard_normal(shape).astype(dtype))
        preds = model.predict(feeds if len(feeds) > 1 else feeds[0], batch_size=args.batch, verbose=0)
        preds = preds if isinstance(preds, (list, tuple)) else [preds]
        calls.append((feeds, preds))
    if args.calls > 1:
        activations = None  # a second predict would advance stateful layers again
    elif probe is not None:
        acts = probe.predict(calls[0][0] if len(calls[0][0]) > 1 else calls[0][0][0], batch_size=args.batch, verbose=0)
        activations = dict(zip([l.name for l in act_layers], acts if isinstance(acts, (list, tuple)) else [acts]))
    else:
        activations = {}

    with h5py.File(args.out, "w") as f:
        f.attrs["inputs"] = json.dumps({"inputs": in_names})
        f.attrs["outputs"] = json.dumps({"outputs": out_names})
        f.attrs["dtype"] = dtype
        f.attrs["source"] = "keras"
        f.attrs["generator"] = f"keras-port python exporter (keras {keras.__version__})"

        def put(group, names, arrays):
            g = f.require_group(group)
            for n, a in zip(names, arrays):
                g.create_dataset(n, data=np.asarray(a, dtype=dtype))

        put("inputs", in_names, calls[0][0])
        put("predictions", out_names, calls[0][1])
        if activations:
            put("activations", list(activations), list(activations.values()))
        if args.calls > 1:
            for k, (feeds, preds) in enumerate(calls):
                put(f"calls/{k}/inputs", in_names, feeds)
                put(f"calls/{k}/predictions", out_names, preds)


if __name__ == "__main__":
    main()
