// Case model graph: naming, shape inference, weight drawing and float64 evaluation.
import { ND, snake, f32 } from './util.js';
import { weightGroups, outputShapes, forward, isRnn } from './layers64.js';

/** Builds a model from a case spec: fills names (Keras-style per-class counters), inbound refs and shapes. */
export function buildModel(spec) {
  const counters = {};
  const autoName = (cls) => {
    const base = snake(cls);
    const n = counters[base] ?? 0; counters[base] = n + 1;
    return n === 0 ? base : `${base}_${n}`;
  };
  const layers = spec.layers.map((l) => ({ ...l, args: { ...(l.args ?? {}) } }));
  for (const l of layers) {
    if (!l.name) l.name = autoName(l.cls);
    if (l.inner && !l.inner.name) l.inner = { ...l.inner, args: { ...(l.inner.args ?? {}) }, name: autoName(l.inner.cls) };
  }
  const inputs = spec.inputs.map((inp, i) => ({ ...inp, name: inp.name ?? (spec.kind === 'sequential' ? `${layers[0].name}_input` : `input_${i + 1}`) }));
  const shapes = new Map(); // layer name -> [shape per output]
  for (const inp of inputs) shapes.set(inp.name, [inp.shape]);
  layers.forEach((l, idx) => {
    if (spec.kind === 'sequential') l.inbound = [[idx === 0 ? inputs[0].name : layers[idx - 1].name, 0, 0]];
    l.inbound = l.inbound.map((r) => (typeof r === 'string' ? [r, 0, 0] : [r[0], r[1] ?? 0, r[2] ?? 0]));
    if (l.initialState) l.initialState = l.initialState.map((r) => (typeof r === 'string' ? [r, 0, 0] : [r[0], r[1] ?? 0, r[2] ?? 0]));
    const inShapes = l.inbound.map((r) => shapes.get(r[0])[r[2]]);
    l.inShape = inShapes[0]; l.inRank = inShapes[0].length + 1; l.inDim = inShapes[0][inShapes[0].length - 1];
    l.inShapes = inShapes;
    if (l.inner) { l.inner.inShape = l.cls === 'TimeDistributed' ? [null, ...inShapes[0].slice(1)] : inShapes[0]; }
    l.groups = weightGroups(l, inShapes);
    shapes.set(l.name, outputShapes(l, inShapes));
  });
  const last = layers[layers.length - 1];
  const outputs = (spec.outputs ?? [[last.name, 0, 0]]).map((r) => (typeof r === 'string' ? [r, 0, 0] : [r[0], r[1] ?? 0, r[2] ?? 0]));
  const model = {
    name: spec.modelName ?? (spec.kind === 'sequential' ? 'sequential' : 'model'),
    kind: spec.kind, dtype: spec.dtype ?? 'float32', inputs, layers, outputs, shapes,
    keras3: spec.style === 'k3h5' || spec.style === 'k3zip',
    shapeOf: (ref) => shapes.get(ref[0])[ref[2] ?? 0],
    dtypeOf: (ref) => { const inp = inputs.find((i) => i.name === ref[0]); return inp?.int ? 'int32' : spec.dtype ?? 'float32'; },
  };
  return model;
}

/** Draws every weight (rounded to the model dtype) with per-case scales; returns Map layerName -> groups [{sub, arrays:[ND]}]. */
export function drawWeights(model, rng, scales) {
  const { kernel = 1, recurrent = 1, bias = 0.5 } = scales;
  const round = model.dtype === 'float64' ? (v) => v : f32;
  const W = new Map();
  for (const l of model.layers) {
    const groups = l.groups.map((g) => ({
      sub: g.sub,
      arrays: g.specs.map((s) => {
        const n = s.shape.reduce((a, b) => a * b, 1);
        const d = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let v;
          switch (s.name) {
            case 'kernel': v = rng.normal() * kernel / Math.sqrt(s.shape.length === 3 ? s.shape[0] * s.shape[1] : s.shape[0]); break;
            case 'recurrent_kernel': v = rng.normal() * recurrent / Math.sqrt(s.shape[0]); break;
            case 'bias': case 'beta': case 'moving_mean': v = rng.uniform(-bias, bias); break;
            case 'gamma': v = 1 + 0.3 * rng.normal(); break;
            case 'moving_variance': v = rng.uniform(0.3, 2.0); break;
            case 'embeddings': v = rng.normal() * kernel; break;
            case 'alpha': v = rng.uniform(0.05, 0.6); break;
            default: throw new Error('weight ' + s.name);
          }
          d[i] = round(v);
        }
        return { name: s.name, nd: new ND(s.shape, d) };
      }),
    }));
    W.set(l.name, groups);
  }
  return W;
}

/** Turns weight groups into the `w` object the float64 forward pass expects. */
function layerW(l, groups) {
  const obj = (arrs) => Object.fromEntries(arrs.map((a) => [a.name, a.nd]));
  if (l.cls === 'Bidirectional') return { forward: { cell: obj(groups[0].arrays) }, backward: { cell: obj(groups[1].arrays) } };
  if (l.cls === 'RNN') return Object.fromEntries(groups.map((g) => [g.sub, obj(g.arrays)]));
  if (['LSTM', 'GRU', 'SimpleRNN'].includes(l.cls)) return { cell: obj(groups[0].arrays) };
  return groups.length ? obj(groups[0].arrays) : {};
}

/**
 * Float64 forward pass of the whole graph. inputs: Map name -> ND. stateStore: Map for stateful layers.
 * Returns {values: Map layer -> ND[], masks}.
 */
export function evaluate64(model, W, inputs, stateStore) {
  const values = new Map(); const masks = new Map();
  for (const inp of model.inputs) { values.set(inp.name, [inputs.get(inp.name)]); masks.set(inp.name, [null]); }
  const ctx = { keras3: model.keras3, stateStore };
  for (const l of model.layers) {
    const xs = l.inbound.map((r) => values.get(r[0])[r[2]]);
    const ms = l.inbound.map((r) => masks.get(r[0])[r[2]]);
    const layer = { ...l, w: layerW(l, W.get(l.name)) };
    if (l.cls === 'TimeDistributed') layer.w = layerW(l.inner, W.get(l.name));
    const extra = {};
    if (l.initialState) extra.initialStates = l.initialState.map((r) => values.get(r[0])[r[2]]);
    const r = forward(layer, xs, ms, ctx, extra);
    values.set(l.name, r.outputs); masks.set(l.name, r.masks);
  }
  return { values, masks };
}

export { isRnn };
