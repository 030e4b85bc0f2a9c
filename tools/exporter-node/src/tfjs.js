// Builds the case model in TensorFlow.js layers (CPU backend), loads the same weights, and predicts.
// Returns null when TF.js lacks a layer/option or computes it differently from Keras (then the
// float64 implementation is the reference).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { camel, ND } from './util.js';

export class Unsupported extends Error {}

// TF.js activation identifiers whose math equals the Keras (2.x) function of that name.
const ACT = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', selu: 'selu',
  softplus: 'softplus', softsign: 'softsign', swish: 'swish', silu: 'swish', gelu: 'gelu', gelu_tanh: 'gelu_new',
  relu6: 'relu6', mish: 'mish', log_softmax: 'logSoftmax',
};
function act(name, keras3) {
  if (name == null) return 'linear';
  if (name === 'hard_sigmoid') {
    if (keras3) throw new Unsupported('TF.js hardSigmoid is the Keras 2 form; Keras 3 hard_sigmoid is relu6(x+3)/6');
    return 'hardSigmoid';
  }
  if (!(name in ACT)) throw new Unsupported(`TF.js has no activation ${name}`);
  return ACT[name];
}

// TF.js's Orthogonal initializer fails on the CPU backend; the weights are overwritten anyway.
const NO_ORTHO = { recurrentInitializer: 'glorotUniform' };

function rnnOpts(a, k3) {
  return {
    units: a.units, activation: act(a.activation ?? 'tanh', k3), useBias: a.use_bias !== false,
    returnSequences: !!a.return_sequences, returnState: !!a.return_state, goBackwards: !!a.go_backwards, stateful: !!a.stateful,
    ...NO_ORTHO,
  };
}

function makeLayer(l, k3, dtype) {
  const a = l.args; const name = l.name;
  switch (l.cls) {
    case 'Dense': return tfl.layers.dense({ name, units: a.units, activation: act(a.activation, k3), useBias: a.use_bias !== false, dtype });
    case 'LSTM': return tfl.layers.lstm({ name, ...rnnOpts(a, k3), recurrentActivation: act(a.recurrent_activation ?? 'sigmoid', k3), implementation: 2 });
    case 'GRU':
      if (a.reset_after) throw new Unsupported('TF.js GRU throws on reset_after=True');
      return tfl.layers.gru({ name, ...rnnOpts(a, k3), recurrentActivation: act(a.recurrent_activation ?? 'sigmoid', k3), implementation: 2 });
    case 'SimpleRNN': return tfl.layers.simpleRNN({ name, ...rnnOpts(a, k3) });
    case 'RNN': {
      const cells = l.cells.map((c) => {
        const o = { units: c.args.units, activation: act(c.args.activation ?? 'tanh', k3), useBias: c.args.use_bias !== false, ...NO_ORTHO };
        if (c.kind === 'LSTM') return tfl.layers.lstmCell({ ...o, recurrentActivation: act(c.args.recurrent_activation ?? 'sigmoid', k3), implementation: 2 });
        if (c.kind === 'GRU') { if (c.args.reset_after) throw new Unsupported('GRUCell reset_after'); return tfl.layers.gruCell({ ...o, recurrentActivation: act(c.args.recurrent_activation ?? 'sigmoid', k3), implementation: 2 }); }
        return tfl.layers.simpleRNNCell(o);
      });
      const cell = cells.length === 1 ? cells[0] : tfl.layers.stackedRNNCells({ cells });
      return tfl.layers.rnn({ name, cell, returnSequences: !!a.return_sequences, returnState: !!a.return_state, goBackwards: !!a.go_backwards, stateful: !!a.stateful });
    }
    case 'Bidirectional': {
      const inner = makeLayer(l.inner, k3, dtype);
      return tfl.layers.bidirectional({ name, layer: inner, mergeMode: a.merge_mode ?? null });
    }
    case 'TimeDistributed': return tfl.layers.timeDistributed({ name, layer: makeLayer(l.inner, k3, dtype) });
    case 'Embedding': return tfl.layers.embedding({ name, inputDim: a.input_dim, outputDim: a.output_dim, maskZero: !!a.mask_zero });
    case 'Masking': return tfl.layers.masking({ name, maskValue: a.mask_value });
    case 'Dropout': return tfl.layers.dropout({ name, rate: a.rate });
    case 'SpatialDropout1D': return tfl.layers.spatialDropout1d({ name, rate: a.rate });
    case 'GaussianNoise': return tfl.layers.gaussianNoise({ name, stddev: a.stddev });
    case 'GaussianDropout': return tfl.layers.gaussianDropout({ name, rate: a.rate });
    case 'AlphaDropout': return tfl.layers.alphaDropout({ name, rate: a.rate });
    case 'Activation': return tfl.layers.activation({ name, activation: act(a.activation, k3) });
    case 'ReLU':
      if (a.negative_slope !== 0 || a.threshold !== 0) throw new Unsupported('TF.js ReLU has only maxValue');
      return tfl.layers.reLU({ name, maxValue: a.max_value ?? undefined });
    case 'LeakyReLU': return tfl.layers.leakyReLU({ name, alpha: a.alpha });
    case 'PReLU': return tfl.layers.prelu({ name });
    case 'ELU':
      if (a.alpha !== 1) throw new Unsupported('TF.js ELU layer supports only alpha=1');
      return tfl.layers.elu({ name, alpha: a.alpha });
    case 'Softmax': return tfl.layers.softmax({ name, axis: a.axis ?? -1 });
    case 'RepeatVector': return tfl.layers.repeatVector({ name, n: a.n });
    case 'Flatten': return tfl.layers.flatten({ name });
    case 'Reshape': return tfl.layers.reshape({ name, targetShape: a.target_shape });
    case 'Permute': return tfl.layers.permute({ name, dims: a.dims });
    case 'Concatenate': return tfl.layers.concatenate({ name, axis: a.axis });
    case 'Add': return tfl.layers.add({ name });
    case 'Multiply': return tfl.layers.multiply({ name });
    case 'Average': return tfl.layers.average({ name });
    case 'Maximum': return tfl.layers.maximum({ name });
    case 'Minimum': return tfl.layers.minimum({ name });
    case 'Conv1D':
      if (a.padding === 'causal') throw new Unsupported('TF.js conv1d has no causal padding');
      return tfl.layers.conv1d({ name, filters: a.filters, kernelSize: a.kernel_size[0], strides: a.strides[0], padding: a.padding, dilationRate: a.dilation_rate[0], activation: act(a.activation, k3), useBias: a.use_bias !== false });
    case 'MaxPooling1D': return tfl.layers.maxPooling1d({ name, poolSize: a.pool_size[0], strides: a.strides[0], padding: a.padding });
    case 'AveragePooling1D': return tfl.layers.averagePooling1d({ name, poolSize: a.pool_size[0], strides: a.strides[0], padding: a.padding });
    case 'GlobalMaxPooling1D': return tfl.layers.globalMaxPooling1d({ name });
    case 'GlobalAveragePooling1D': return tfl.layers.globalAveragePooling1d({ name });
    case 'BatchNormalization': return tfl.layers.batchNormalization({ name, axis: -1, epsilon: a.epsilon, center: a.center !== false, scale: a.scale !== false });
    case 'LayerNormalization': return tfl.layers.layerNormalization({ name, axis: -1, epsilon: a.epsilon, center: a.center !== false, scale: a.scale !== false });
    default: throw new Unsupported(`TF.js has no layer ${l.cls}`);
  }
}

/**
 * Runs the model in TF.js for each call's inputs (successive predict calls, states kept for stateful).
 * Returns [{values: Map layer -> Float32Array[] per output}] per call, or throws Unsupported.
 */
export function runTfjs(model, W, calls, batch) {
  if (model.dtype === 'float64') throw new Unsupported('TF.js computes in float32 only');
  const k3 = model.keras3;
  const stateful = model.layers.some((l) => l.args.stateful || l.inner?.args?.stateful);
  const masked = model.layers.some((l) => l.cls === 'Masking' || (l.cls === 'Embedding' && l.args.mask_zero));
  if (masked && model.layers.some((l) => l.cls === 'Bidirectional' && l.inner.args.return_sequences)) {
    throw new Unsupported('TF.js Bidirectional repeats the previous output at masked steps; Keras forces zero_output_for_mask=return_sequences (Bidirectional.force_zero_output_for_mask) and outputs zeros');
  }
  const tensors = new Map(); const tfLayers = new Map();
  const inputs = model.inputs.map((inp) => {
    const t = stateful ? tfl.input({ batchShape: [batch, ...inp.shape], name: inp.name, dtype: inp.int ? 'int32' : 'float32' })
      : tfl.input({ shape: inp.shape, name: inp.name, dtype: inp.int ? 'int32' : 'float32' });
    tensors.set(inp.name, [t]); return t;
  });
  for (const l of model.layers) {
    const layer = makeLayer(l, k3);
    tfLayers.set(l.name, layer);
    const xs = l.inbound.map((r) => tensors.get(r[0])[r[2]]);
    const kw = {};
    if (l.initialState) kw.initialState = l.initialState.map((r) => tensors.get(r[0])[r[2]]);
    let out = layer.apply(xs.length === 1 ? xs[0] : xs, kw);
    if (!Array.isArray(out)) out = [out];
    tensors.set(l.name, out);
  }
  // weights
  for (const l of model.layers) {
    const flat = W.get(l.name).flatMap((g) => g.arrays);
    const layer = tfLayers.get(l.name);
    const cur = layer.getWeights();
    if (cur.length !== flat.length) throw new Error(`${l.name}: TF.js has ${cur.length} weights, Keras ${flat.length}`);
    cur.forEach((c, i) => { if (c.shape.join() !== flat[i].nd.shape.join()) throw new Error(`${l.name}: weight ${i} shape ${c.shape} vs ${flat[i].nd.shape}`); });
    layer.setWeights(flat.map((a) => tf.tensor(Float32Array.from(a.nd.data), a.nd.shape)));
  }
  const names = []; const outs = [];
  for (const l of model.layers) tensors.get(l.name).forEach((t, k) => { names.push([l.name, k]); outs.push(t); });
  const m = tfl.model({ inputs, outputs: outs });
  const results = [];
  for (const call of calls) {
    const feeds = model.inputs.map((inp) => {
      const nd = call.get(inp.name);
      return inp.int ? tf.tensor(Int32Array.from(nd.data, Math.round), nd.shape, 'int32') : tf.tensor(Float32Array.from(nd.data), nd.shape);
    });
    let preds = m.predict(feeds.length === 1 ? feeds[0] : feeds, { batchSize: batch });
    if (!Array.isArray(preds)) preds = [preds];
    const values = new Map();
    preds.forEach((p, i) => {
      const [ln, k] = names[i];
      if (!values.has(ln)) values.set(ln, []);
      values.get(ln)[k] = new ND(p.shape, Float64Array.from(p.dataSync()));
    });
    results.push({ values });
  }
  return results;
}
