// Float64 forward pass of each supported Keras layer (inference mode), plus weight shapes and
// output shapes. Written from Keras's layer sources; never from KerasPort.
import { ND } from './util.js';
import { applyActivation, reluFull } from './activations64.js';
import { makeCell, stackCells, runRnn } from './rnn64.js';

const RNN_KINDS = ['LSTM', 'GRU', 'SimpleRNN'];
const prod = (a) => a.reduce((x, y) => x * y, 1);

/** Weight specs [{name, shape}] of a cell kind, in Keras order (kernel, recurrent_kernel, bias). */
export function cellWeightSpecs(kind, args, inDim) {
  const u = args.units;
  const g = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
  const specs = [{ name: 'kernel', shape: [inDim, g * u] }, { name: 'recurrent_kernel', shape: [u, g * u] }];
  if (args.use_bias !== false) specs.push({ name: 'bias', shape: kind === 'GRU' && args.reset_after ? [2, g * u] : [g * u] });
  return specs;
}

/** For RNN(cell=...) layers: list of {kind, args} cells (StackedRNNCells flattened). */
export function cellsOf(layer) {
  if (RNN_KINDS.includes(layer.cls)) return [{ kind: layer.cls, args: layer.args }];
  if (layer.cls === 'RNN') return layer.cells;
  throw new Error('not an RNN ' + layer.cls);
}
export const isRnn = (l) => RNN_KINDS.includes(l.cls) || l.cls === 'RNN';

/** Weight groups of a layer: [{prefix (sub-object), specs}] in Keras order. */
export function weightGroups(layer, inShapes) {
  const a = layer.args;
  const last = inShapes[0][inShapes[0].length - 1];
  switch (layer.cls) {
    case 'Dense': {
      const s = [{ name: 'kernel', shape: [last, a.units] }];
      if (a.use_bias !== false) s.push({ name: 'bias', shape: [a.units] });
      return [{ sub: null, specs: s }];
    }
    case 'Embedding': return [{ sub: null, specs: [{ name: 'embeddings', shape: [a.input_dim, a.output_dim] }] }];
    case 'LSTM': case 'GRU': case 'SimpleRNN': return [{ sub: 'cell', specs: cellWeightSpecs(layer.cls, a, last) }];
    case 'RNN': {
      let d = last; const out = [];
      layer.cells.forEach((c, i) => { out.push({ sub: 'cell' + i, specs: cellWeightSpecs(c.kind, c.args, d) }); d = c.args.units; });
      return out;
    }
    case 'Bidirectional': {
      const inner = weightGroups(layer.inner, inShapes)[0].specs;
      return [{ sub: 'forward', specs: inner }, { sub: 'backward', specs: inner }];
    }
    case 'TimeDistributed': return weightGroups(layer.inner, [inShapes[0].slice(1)]);
    case 'Conv1D': {
      const s = [{ name: 'kernel', shape: [a.kernel_size[0], last, a.filters] }];
      if (a.use_bias !== false) s.push({ name: 'bias', shape: [a.filters] });
      return [{ sub: null, specs: s }];
    }
    case 'BatchNormalization': {
      const s = [];
      if (a.scale !== false) s.push({ name: 'gamma', shape: [last] });
      if (a.center !== false) s.push({ name: 'beta', shape: [last] });
      s.push({ name: 'moving_mean', shape: [last] }, { name: 'moving_variance', shape: [last] });
      return [{ sub: null, specs: s }];
    }
    case 'LayerNormalization': {
      const s = [];
      if (a.scale !== false) s.push({ name: 'gamma', shape: [last] });
      if (a.center !== false) s.push({ name: 'beta', shape: [last] });
      return [{ sub: null, specs: s }];
    }
    case 'PReLU': return [{ sub: null, specs: [{ name: 'alpha', shape: inShapes[0].slice() }] }];
    default: return [];
  }
}

/** Output shapes (without batch) of a layer, one per output tensor. */
export function outputShapes(layer, inShapes) {
  const a = layer.args; const s0 = inShapes[0];
  switch (layer.cls) {
    case 'InputLayer': return [layer.shape];
    case 'Dense': return [[...s0.slice(0, -1), a.units]];
    case 'Embedding': return [[...s0, a.output_dim]];
    case 'LSTM': case 'GRU': case 'SimpleRNN': case 'RNN': {
      const cells = cellsOf(layer);
      const u = cells[cells.length - 1].args.units;
      const out = [a.return_sequences ? [s0[0], u] : [u]];
      if (a.return_state) {
        for (const c of cells) { const n = c.kind === 'LSTM' ? 2 : 1; for (let k = 0; k < n; k++) out.push([c.args.units]); }
      }
      return out;
    }
    case 'Bidirectional': {
      const inner = outputShapes(layer.inner, inShapes);
      const y = inner[0];
      const states = inner.slice(1);
      let outs;
      if (a.merge_mode === 'concat') outs = [[...y.slice(0, -1), y[y.length - 1] * 2]];
      else if (a.merge_mode == null) outs = [y, y];
      else outs = [y];
      return layer.inner.args.return_state ? [...outs, ...states, ...states] : outs;
    }
    case 'TimeDistributed': return [[s0[0], ...outputShapes(layer.inner, [s0.slice(1)])[0]]];
    case 'RepeatVector': return [[a.n, ...s0]];
    case 'Flatten': return [[prod(s0)]];
    case 'Reshape': return [a.target_shape.slice()];
    case 'Permute': return [a.dims.map((d) => s0[d - 1])];
    case 'Concatenate': {
      const ax = a.axis < 0 ? s0.length + a.axis : a.axis - 1;
      const o = s0.slice(); o[ax] = inShapes.reduce((t, s) => t + s[ax], 0); return [o];
    }
    case 'Conv1D': {
      const [T] = s0; const k = a.kernel_size[0], st = a.strides[0], d = a.dilation_rate[0];
      const L = a.padding === 'valid' ? Math.ceil((T - (k - 1) * d) / st) : Math.ceil(T / st);
      return [[L, a.filters]];
    }
    case 'MaxPooling1D': case 'AveragePooling1D': {
      const p = a.pool_size[0], st = a.strides[0];
      const L = a.padding === 'valid' ? Math.floor((s0[0] - p) / st) + 1 : Math.ceil(s0[0] / st);
      return [[L, s0[1]]];
    }
    case 'GlobalMaxPooling1D': case 'GlobalAveragePooling1D': return [[s0[1]]];
    default: return [s0.slice()];
  }
}

function denseApply(x, W, b, activation, keras3) {
  const n = W.shape[0], m = W.shape[1];
  const rows = x.size / n;
  const out = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const xi = x.data[r * n + i];
      for (let j = 0; j < m; j++) out[r * m + j] += xi * W.data[i * m + j];
    }
    if (b) for (let j = 0; j < m; j++) out[r * m + j] += b.data[j];
  }
  return new ND([...x.shape.slice(0, -1), m], applyActivation(activation ?? 'linear', out, m, keras3));
}

function elementwiseMerge(cls, xs) {
  const out = Float64Array.from(xs[0].data);
  for (let k = 1; k < xs.length; k++) {
    const d = xs[k].data;
    for (let i = 0; i < out.length; i++) {
      switch (cls) {
        case 'Add': case 'Average': out[i] += d[i]; break;
        case 'Subtract': out[i] -= d[i]; break;
        case 'Multiply': out[i] *= d[i]; break;
        case 'Maximum': out[i] = Math.max(out[i], d[i]); break;
        case 'Minimum': out[i] = Math.min(out[i], d[i]); break;
        default: throw new Error(cls);
      }
    }
  }
  if (cls === 'Average') for (let i = 0; i < out.length; i++) out[i] /= xs.length;
  return new ND(xs[0].shape, out);
}

/** Concatenate along an axis (with batch). */
function concat(xs, axis) {
  const rank = xs[0].shape.length; const ax = axis < 0 ? rank + axis : axis;
  const outer = prod(xs[0].shape.slice(0, ax));
  const inners = xs.map((x) => prod(x.shape.slice(ax)));
  const tot = inners.reduce((a, b) => a + b, 0);
  const out = new Float64Array(outer * tot);
  for (let o = 0; o < outer; o++) {
    let off = 0;
    xs.forEach((x, k) => { out.set(x.data.subarray(o * inners[k], (o + 1) * inners[k]), o * tot + off); off += inners[k]; });
  }
  const shape = xs[0].shape.slice(); shape[ax] = xs.reduce((t, x) => t + x.shape[ax], 0);
  return new ND(shape, out);
}

function reverseTime(x) {
  const [B, T] = x.shape; const inner = x.size / (B * T);
  const out = new Float64Array(x.size);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.set(x.data.subarray((b * T + t) * inner, (b * T + t + 1) * inner), (b * T + (T - 1 - t)) * inner);
  return new ND(x.shape, out);
}

/** Runs an RNN layer (LSTM/GRU/SimpleRNN/RNN) on x with mask; returns the Keras output list. */
function rnnForward(layer, x, mask, initialStates, ctx, zeroOutputForMask) {
  const a = layer.args;
  const cells = cellsOf(layer).map((c, i) => makeCell(c.kind, c.args, layer.w[layer.cls === 'RNN' ? 'cell' + i : 'cell'], ctx.keras3));
  const cell = cells.length === 1 ? cells[0] : stackCells(cells);
  let init = initialStates;
  if (a.stateful && ctx.stateStore) {
    const st = ctx.stateStore.get(layer.name);
    if (st) init = st;
  }
  const r = runRnn(cell, x, mask, { goBackwards: !!a.go_backwards, initialStates: init, zeroOutputForMask });
  const B = r.B;
  const states = r.states.map((s, k) => new ND([B, cell.stateSizes[k]], s));
  if (a.stateful && ctx.stateStore) ctx.stateStore.set(layer.name, states);
  const y = a.return_sequences ? new ND([B, r.T, r.U], r.seq) : new ND([B, r.U], r.last);
  return a.return_state ? [y, ...states] : [y];
}

/** Forward pass: returns {outputs: ND[], masks: (ND|null)[]}. */
export function forward(layer, inputs, masks, ctx, extra = {}) {
  const a = layer.args; const w = layer.w ?? {};
  const x = inputs[0]; const m = masks[0] ?? null;
  const one = (y, mask = m) => ({ outputs: [y], masks: [mask] });
  const k3 = ctx.keras3;
  switch (layer.cls) {
    case 'Dense': return one(denseApply(x, w.kernel, w.bias, a.activation, k3));
    case 'Activation': return one(new ND(x.shape, applyActivation(a.activation, x.data, x.shape[x.shape.length - 1], k3)));
    case 'Dropout': case 'SpatialDropout1D': case 'GaussianNoise': case 'GaussianDropout': case 'AlphaDropout':
    case 'ActivityRegularization':
      return one(x.clone());
    case 'Embedding': {
      const D = a.output_dim; const out = new Float64Array(x.size * D);
      for (let i = 0; i < x.size; i++) {
        const id = Math.round(x.data[i]);
        if (id < 0 || id >= a.input_dim) throw new Error('embedding id out of range');
        out.set(w.embeddings.data.subarray(id * D, (id + 1) * D), i * D);
      }
      const mask = a.mask_zero ? new ND(x.shape, x.data.map((v) => (v !== 0 ? 1 : 0))) : null;
      return one(new ND([...x.shape, D], out), mask);
    }
    case 'Masking': {
      const [B, T] = x.shape; const F = x.size / (B * T);
      const out = new Float64Array(x.size); const mk = new Float64Array(B * T);
      for (let i = 0; i < B * T; i++) {
        let any = false;
        for (let f = 0; f < F; f++) if (x.data[i * F + f] !== a.mask_value) any = true;
        mk[i] = any ? 1 : 0;
        for (let f = 0; f < F; f++) out[i * F + f] = any ? x.data[i * F + f] : 0;
      }
      return one(new ND(x.shape, out), new ND([B, T], mk));
    }
    case 'LSTM': case 'GRU': case 'SimpleRNN': case 'RNN': {
      const ys = rnnForward(layer, x, m, extra.initialStates ?? null, ctx, !!extra.zeroOutputForMask);
      const outMask = a.return_sequences ? m : null;
      return { outputs: ys, masks: ys.map((_, i) => (i === 0 ? outMask : null)) };
    }
    case 'Bidirectional': {
      const inner = layer.inner; const ia = inner.args;
      const fw = { ...inner, name: layer.name + '/forward', w: layer.w.forward };
      const bw = { ...inner, name: layer.name + '/backward', w: layer.w.backward, args: { ...ia, go_backwards: !ia.go_backwards } };
      const zero = !!ia.return_sequences; // Bidirectional forces zero_output_for_mask = return_sequences
      const yf = rnnForward(fw, x, m, null, ctx, zero);
      const yb = rnnForward(bw, x, m, null, ctx, zero);
      let y = yf[0]; let yr = yb[0];
      if (ia.return_sequences) yr = reverseTime(yr);
      let outs;
      switch (a.merge_mode) {
        case 'concat': outs = [concat([y, yr], -1)]; break;
        case 'sum': outs = [elementwiseMerge('Add', [y, yr])]; break;
        case 'ave': outs = [elementwiseMerge('Average', [y, yr])]; break;
        case 'mul': outs = [elementwiseMerge('Multiply', [y, yr])]; break;
        case null: case undefined: outs = [y, yr]; break;
        default: throw new Error('merge_mode ' + a.merge_mode);
      }
      const outMask = ia.return_sequences ? m : null;
      const all = ia.return_state ? [...outs, ...yf.slice(1), ...yb.slice(1)] : outs;
      return { outputs: all, masks: all.map((_, i) => (i < outs.length ? outMask : null)) };
    }
    case 'TimeDistributed': {
      const [B, T] = x.shape;
      const flat = new ND([B * T, ...x.shape.slice(2)], x.data);
      const r = forward({ ...layer.inner, w: layer.w }, [flat], [null], ctx);
      const y = r.outputs[0];
      return one(new ND([B, T, ...y.shape.slice(1)], y.data));
    }
    case 'ReLU': return one(x.map((v) => reluFull(v, a.negative_slope, a.max_value, a.threshold)));
    case 'LeakyReLU': return one(x.map((v) => (v >= 0 ? v : a.alpha * v)));
    case 'PReLU': {
      const per = w.alpha.size;
      return one(new ND(x.shape, x.data.map((v, i) => Math.max(v, 0) - w.alpha.data[i % per] * Math.max(-v, 0))));
    }
    case 'ELU': return one(x.map((v) => (v > 0 ? v : a.alpha * Math.expm1(v))));
    case 'Softmax': return one(new ND(x.shape, applyActivation('softmax', x.data, x.shape[x.shape.length - 1], k3)));
    case 'RepeatVector': {
      const [B, F] = x.shape; const out = new Float64Array(B * a.n * F);
      for (let b = 0; b < B; b++) for (let t = 0; t < a.n; t++) out.set(x.data.subarray(b * F, (b + 1) * F), (b * a.n + t) * F);
      return one(new ND([B, a.n, F], out), null);
    }
    case 'Flatten': return one(new ND([x.shape[0], x.size / x.shape[0]], Float64Array.from(x.data)), null);
    case 'Reshape': return one(new ND([x.shape[0], ...a.target_shape], Float64Array.from(x.data)), null);
    case 'Permute': {
      const B = x.shape[0]; const s = x.shape.slice(1); const ns = a.dims.map((d) => s[d - 1]);
      const out = new Float64Array(x.size); const per = prod(s);
      const sst = s.map((_, i) => prod(s.slice(i + 1)));
      const nst = ns.map((_, i) => prod(ns.slice(i + 1)));
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < per; j++) {
          let rem = j, src = 0;
          for (let d = 0; d < ns.length; d++) { const idx = Math.floor(rem / nst[d]); rem -= idx * nst[d]; src += idx * sst[a.dims[d] - 1]; }
          out[b * per + j] = x.data[b * per + src];
        }
      }
      return one(new ND([B, ...ns], out), null);
    }
    case 'Concatenate': return one(concat(inputs, a.axis), null);
    case 'Add': case 'Subtract': case 'Multiply': case 'Average': case 'Maximum': case 'Minimum':
      return one(elementwiseMerge(layer.cls, inputs), null);
    case 'Conv1D': {
      const [B, T, C] = x.shape; const k = a.kernel_size[0], st = a.strides[0], d = a.dilation_rate[0], Fo = a.filters;
      let padL = 0; let L;
      if (a.padding === 'valid') L = Math.ceil((T - (k - 1) * d) / st);
      else if (a.padding === 'causal') { padL = (k - 1) * d; L = Math.ceil(T / st); } else {
        L = Math.ceil(T / st);
        const total = Math.max((L - 1) * st + (k - 1) * d + 1 - T, 0); padL = Math.floor(total / 2);
      }
      const out = new Float64Array(B * L * Fo);
      for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let f = 0; f < Fo; f++) {
        let s = w.bias ? w.bias.data[f] : 0;
        for (let j = 0; j < k; j++) {
          const t = l * st + j * d - padL; if (t < 0 || t >= T) continue;
          for (let c = 0; c < C; c++) s += x.data[(b * T + t) * C + c] * w.kernel.data[(j * C + c) * Fo + f];
        }
        out[(b * L + l) * Fo + f] = s;
      }
      return one(new ND([B, L, Fo], applyActivation(a.activation ?? 'linear', out, Fo, k3)), null);
    }
    case 'MaxPooling1D': case 'AveragePooling1D': {
      const [B, T, C] = x.shape; const p = a.pool_size[0], st = a.strides[0];
      if (a.padding !== 'valid') throw new Error('pooling padding');
      const L = Math.floor((T - p) / st) + 1; const out = new Float64Array(B * L * C);
      for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let c = 0; c < C; c++) {
        let v = layer.cls === 'MaxPooling1D' ? -Infinity : 0;
        for (let j = 0; j < p; j++) { const xv = x.data[(b * T + l * st + j) * C + c]; v = layer.cls === 'MaxPooling1D' ? Math.max(v, xv) : v + xv; }
        out[(b * L + l) * C + c] = layer.cls === 'MaxPooling1D' ? v : v / p;
      }
      return one(new ND([B, L, C], out), null);
    }
    case 'GlobalMaxPooling1D': case 'GlobalAveragePooling1D': {
      const [B, T, C] = x.shape; const out = new Float64Array(B * C);
      for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
        let v = layer.cls === 'GlobalMaxPooling1D' ? -Infinity : 0;
        for (let t = 0; t < T; t++) { const xv = x.data[(b * T + t) * C + c]; v = layer.cls === 'GlobalMaxPooling1D' ? Math.max(v, xv) : v + xv; }
        out[b * C + c] = layer.cls === 'GlobalMaxPooling1D' ? v : v / T;
      }
      return one(new ND([B, C], out), null);
    }
    case 'BatchNormalization': {
      const C = x.shape[x.shape.length - 1]; const eps = a.epsilon;
      return one(x.map((v, i) => {
        const c = i % C;
        const g = w.gamma ? w.gamma.data[c] : 1, be = w.beta ? w.beta.data[c] : 0;
        return (v - w.moving_mean.data[c]) / Math.sqrt(w.moving_variance.data[c] + eps) * g + be;
      }));
    }
    case 'LayerNormalization': {
      const C = x.shape[x.shape.length - 1]; const out = new Float64Array(x.size);
      for (let o = 0; o < x.size; o += C) {
        let mean = 0; for (let c = 0; c < C; c++) mean += x.data[o + c]; mean /= C;
        let v = 0; for (let c = 0; c < C; c++) v += (x.data[o + c] - mean) ** 2; v /= C;
        for (let c = 0; c < C; c++) {
          const g = w.gamma ? w.gamma.data[c] : 1, be = w.beta ? w.beta.data[c] : 0;
          out[o + c] = (x.data[o + c] - mean) / Math.sqrt(v + a.epsilon) * g + be;
        }
      }
      return one(new ND(x.shape, out));
    }
    default: throw new Error('float64 reference: unsupported layer ' + layer.cls);
  }
}
