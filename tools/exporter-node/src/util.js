// Small shared helpers: seeded RNG, Python-json.dumps-compatible serialization, ndarrays.

/** Deterministic PRNG (mulberry32) with uniform and normal draws. */
export class Rng {
  constructor(seed) { this.s = seed >>> 0; }
  next() {
    let t = (this.s = (this.s + 0x6D2B79F5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo, hi) { return lo + (hi - lo) * this.next(); }
  normal() {
    const u = Math.max(this.next(), 1e-12), v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  int(lo, hiExclusive) { return lo + Math.floor(this.next() * (hiExclusive - lo)); }
}

/** A float that must print the way Python's repr prints a float (1.0, 1e-07). */
export class PyFloat { constructor(v) { this.v = v; } }
export const F = (v) => new PyFloat(v);

function pyFloatRepr(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const a = Math.abs(v);
  let s;
  if (a < 1e-4 || a >= 1e16) {
    s = v.toExponential(); // shortest round-trip digits, e.g. 1e-7, 1.5e-7
    let [m, e] = s.split('e');
    const sign = e[0] === '-' ? '-' : '+';
    e = e.replace(/^[+-]/, '');
    if (e.length < 2) e = '0' + e;
    s = `${m}e${sign}${e}`;
  } else {
    s = String(v);
    if (!s.includes('.') && !s.includes('e')) s += '.0';
  }
  return s;
}

/** json.dumps(obj) with Python's default separators (", " and ": ") and key order as inserted. */
export function pyJson(o) {
  if (o === null || o === undefined) return 'null';
  if (o instanceof PyFloat) return pyFloatRepr(o.v);
  if (typeof o === 'boolean') return o ? 'true' : 'false';
  if (typeof o === 'number') {
    if (!Number.isInteger(o)) return pyFloatRepr(o);
    return String(o);
  }
  if (typeof o === 'string') return JSON.stringify(o).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (Array.isArray(o)) return '[' + o.map(pyJson).join(', ') + ']';
  return '{' + Object.keys(o).map((k) => JSON.stringify(k) + ': ' + pyJson(o[k])).join(', ') + '}';
}

/** Dense row-major n-d array of doubles. */
export class ND {
  constructor(shape, data) {
    this.shape = shape.slice();
    const n = shape.reduce((a, b) => a * b, 1);
    this.data = data ?? new Float64Array(n);
    if (this.data.length !== n) throw new Error(`ND size mismatch ${shape} vs ${this.data.length}`);
  }
  get size() { return this.data.length; }
  clone() { return new ND(this.shape, Float64Array.from(this.data)); }
  map(f) { return new ND(this.shape, this.data.map(f)); }
  static zeros(shape) { return new ND(shape); }
}

export function strides(shape) {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

export const f32 = Math.fround;
export function roundArray(a, dtype) { return dtype === 'float64' ? Float64Array.from(a) : Float64Array.from(a, f32); }

/** snake_case -> camelCase. */
export const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
/** CamelCase class name -> Keras 3 snake_case (keras.src.utils.naming.to_snake_case). */
export function snake(name) {
  let s = name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  s = s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return s;
}
