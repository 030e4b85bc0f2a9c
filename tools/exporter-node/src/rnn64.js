// Float64 recurrent cells and the RNN loop, written from tf.keras 2.x recurrent.py / recurrent_v2.py,
// backend.rnn and Keras 3 keras/src/layers/rnn/*.py.
import { applyActivation } from './activations64.js';

/** y[j] = sum_i x[i] * W[i, j] (+ b[j]) for W row-major (n, m), column offset/width select a gate block. */
function matvec(x, W, m, c0, width, out) {
  for (let j = 0; j < width; j++) out[j] = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const row = i * m + c0;
    for (let j = 0; j < width; j++) out[j] += xi * W.data[row + j];
  }
  return out;
}

const act = (name, v, keras3) => applyActivation(name, v, v.length, keras3);

/** A cell: {stateSizes, outputSize, step(x, states) -> {out, states}} built from Keras args and weights. */
export function makeCell(kind, args, w, keras3) {
  const u = args.units;
  const useBias = args.use_bias !== false;
  const a = args.activation ?? 'tanh';
  const ra = args.recurrent_activation ?? (kind === 'SimpleRNN' ? null : 'sigmoid');
  const K = w.kernel, R = w.recurrent_kernel, B = w.bias;
  if (kind === 'SimpleRNN') {
    return {
      stateSizes: [u], outputSize: u,
      step(x, [h]) {
        const z = matvec(x, K, u, 0, u, new Float64Array(u));
        const r = matvec(h, R, u, 0, u, new Float64Array(u));
        for (let j = 0; j < u; j++) z[j] += (useBias ? B.data[j] : 0) + r[j];
        const y = act(a, z, keras3);
        return { out: y, states: [y] };
      },
    };
  }
  if (kind === 'LSTM') {
    return {
      stateSizes: [u, u], outputSize: u,
      step(x, [h, c]) {
        const z = matvec(x, K, 4 * u, 0, 4 * u, new Float64Array(4 * u));
        const r = matvec(h, R, 4 * u, 0, 4 * u, new Float64Array(4 * u));
        for (let j = 0; j < 4 * u; j++) z[j] += r[j] + (useBias ? B.data[j] : 0);
        const i = act(ra, z.subarray(0, u), keras3);
        const f = act(ra, z.subarray(u, 2 * u), keras3);
        const g = act(a, z.subarray(2 * u, 3 * u), keras3);
        const o = act(ra, z.subarray(3 * u, 4 * u), keras3);
        const c2 = new Float64Array(u);
        for (let j = 0; j < u; j++) c2[j] = f[j] * c[j] + i[j] * g[j];
        const ac = act(a, c2, keras3);
        const h2 = new Float64Array(u);
        for (let j = 0; j < u; j++) h2[j] = o[j] * ac[j];
        return { out: h2, states: [h2, c2] };
      },
    };
  }
  if (kind === 'GRU') {
    const resetAfter = !!args.reset_after;
    return {
      stateSizes: [u], outputSize: u,
      step(x, [h]) {
        // input projections, gates z, r, h
        const xp = matvec(x, K, 3 * u, 0, 3 * u, new Float64Array(3 * u));
        if (useBias) for (let j = 0; j < 3 * u; j++) xp[j] += B.data[j]; // bias row 0 (or the 1-D bias)
        let hz, hh;
        if (resetAfter) {
          const rp = matvec(h, R, 3 * u, 0, 3 * u, new Float64Array(3 * u));
          if (useBias) for (let j = 0; j < 3 * u; j++) rp[j] += B.data[3 * u + j]; // recurrent bias row 1
          const z = act(ra, xp.subarray(0, u).map((v, j) => v + rp[j]), keras3);
          const r = act(ra, xp.subarray(u, 2 * u).map((v, j) => v + rp[u + j]), keras3);
          const hc = act(a, xp.subarray(2 * u).map((v, j) => v + r[j] * rp[2 * u + j]), keras3);
          hz = z; hh = hc;
        } else {
          const rz = matvec(h, R, 3 * u, 0, u, new Float64Array(u));
          const rr = matvec(h, R, 3 * u, u, u, new Float64Array(u));
          const z = act(ra, xp.subarray(0, u).map((v, j) => v + rz[j]), keras3);
          const r = act(ra, xp.subarray(u, 2 * u).map((v, j) => v + rr[j]), keras3);
          const rh = h.map((v, j) => r[j] * v);
          const rhh = matvec(rh, R, 3 * u, 2 * u, u, new Float64Array(u));
          hh = act(a, xp.subarray(2 * u).map((v, j) => v + rhh[j]), keras3);
          hz = z;
        }
        const h2 = new Float64Array(u);
        for (let j = 0; j < u; j++) h2[j] = hz[j] * h[j] + (1 - hz[j]) * hh[j];
        return { out: h2, states: [h2] };
      },
    };
  }
  throw new Error('unknown cell ' + kind);
}

/** StackedRNNCells: states are the cells' states concatenated in order; output is the last cell's. */
export function stackCells(cells) {
  return {
    stateSizes: cells.flatMap((c) => c.stateSizes),
    outputSize: cells[cells.length - 1].outputSize,
    step(x, states) {
      let k = 0; let inp = x; const ns = [];
      for (const c of cells) {
        const st = states.slice(k, k + c.stateSizes.length); k += c.stateSizes.length;
        const r = c.step(inp, st); inp = r.out; ns.push(...r.states);
      }
      return { out: inp, states: ns };
    },
  };
}

/**
 * backend.rnn semantics. x: ND (B, T, F); mask: ND (B, T) of 0/1 or null.
 * Returns {seq: ND (B, T, U) in processing order, last: ND (B, U), states: ND[] (B, s)}.
 * Masked steps keep the previous states; the output repeats the previous output (zeros before the
 * first unmasked step), or is zero when zeroOutputForMask.
 */
export function runRnn(cell, x, mask, { goBackwards = false, initialStates = null, zeroOutputForMask = false }) {
  const [B, T, F] = x.shape;
  const U = cell.outputSize;
  const seq = new Float64Array(B * T * U);
  const last = new Float64Array(B * U);
  const finalStates = cell.stateSizes.map((s) => new Float64Array(B * s));
  for (let b = 0; b < B; b++) {
    let states = cell.stateSizes.map((s, k) => (initialStates ? Float64Array.from(initialStates[k].data.subarray(b * s, (b + 1) * s)) : new Float64Array(s)));
    let prevOut = new Float64Array(U);
    for (let step = 0; step < T; step++) {
      const t = goBackwards ? T - 1 - step : step;
      const xt = x.data.subarray((b * T + t) * F, (b * T + t + 1) * F);
      const m = mask ? mask.data[b * T + t] !== 0 : true;
      const r = cell.step(xt, states);
      let out;
      if (m) { out = r.out; states = r.states; } else { out = zeroOutputForMask ? new Float64Array(U) : prevOut; }
      seq.set(out, (b * T + step) * U);
      prevOut = out;
    }
    last.set(prevOut, b * U);
    states.forEach((s, k) => finalStates[k].set(s, b * s.length));
  }
  return { seq, last, states: finalStates, B, T, U };
}
