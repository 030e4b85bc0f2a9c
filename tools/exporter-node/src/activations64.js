// Float64 activation functions, written from Keras's own definitions
// (tf.keras 2.x keras/activations.py + keras/backend.py, Keras 3 keras/src/activations/activations.py).

/** erf in double precision: Taylor series near 0, continued fraction for erfc in the tails. */
export function erf(x) {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax, sum = ax, n = 0;
    const x2 = ax * ax;
    while (Math.abs(term) > 1e-17 * Math.abs(sum)) {
      n++;
      term *= -x2 / n;
      sum += term / (2 * n + 1);
      if (n > 200) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz)
  let f = ax, C = ax, D = 0;
  const tiny = 1e-300;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    D = ax + a * D; if (D === 0) D = tiny; D = 1 / D;
    C = ax + a / C; if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const relu6 = (x) => Math.min(Math.max(x, 0), 6);
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** Element-wise functions by Keras config name. `keras3` switches hard_sigmoid to the Keras 3 form. */
export function elementwise(name, keras3) {
  switch (name) {
    case 'linear': return (x) => x;
    case 'relu': return (x) => Math.max(x, 0);
    case 'sigmoid': return sigmoid;
    case 'tanh': return Math.tanh;
    case 'hard_sigmoid':
      return keras3 ? (x) => relu6(x + 3) / 6 : (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    case 'elu': return (x) => (x > 0 ? x : Math.expm1(x));
    case 'selu': return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'softplus': return softplus;
    case 'softsign': return (x) => x / (1 + Math.abs(x));
    case 'exponential': return Math.exp;
    case 'swish': case 'silu': return (x) => x * sigmoid(x);
    case 'gelu': return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_tanh':
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    case 'relu6': return relu6;
    case 'leaky_relu': return (x) => (x >= 0 ? x : 0.2 * x);
    case 'mish': return (x) => x * Math.tanh(softplus(x));
    case 'hard_silu': case 'hard_swish': return (x) => x * relu6(x + 3) / 6;
    default: return null;
  }
}

/** Applies an activation to the last axis of a row-major buffer with last dimension `n`. */
export function applyActivation(name, data, n, keras3) {
  const out = new Float64Array(data.length);
  if (name === 'softmax' || name === 'log_softmax') {
    for (let o = 0; o < data.length; o += n) {
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, data[o + i]);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(data[o + i] - m);
      for (let i = 0; i < n; i++) {
        out[o + i] = name === 'softmax' ? Math.exp(data[o + i] - m) / s : data[o + i] - m - Math.log(s);
      }
    }
    return out;
  }
  const f = elementwise(name, keras3);
  if (!f) throw new Error(`float64 reference: unknown activation ${name}`);
  for (let i = 0; i < data.length; i++) out[i] = f(data[i]);
  return out;
}

/** tf.keras 2.x backend.relu(x, alpha, max_value, threshold), element-wise, literally. */
export function reluFull(x, alpha, maxValue, threshold) {
  let negativePart = 0;
  if (alpha !== 0) {
    if (maxValue == null && threshold === 0) return x >= 0 ? x : alpha * x;
    negativePart = threshold !== 0 ? Math.max(-x + threshold, 0) : Math.max(-x, 0);
  }
  let y;
  let clipMax = maxValue != null;
  if (threshold !== 0) y = x > threshold ? x : 0;
  else if (maxValue === 6) { y = relu6(x); clipMax = false; } else y = Math.max(x, 0);
  if (clipMax) y = Math.min(Math.max(y, 0), maxValue);
  if (alpha !== 0) y -= alpha * negativePart;
  return y;
}
