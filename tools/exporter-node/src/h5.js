// HDF5 writing through h5wasm, with the string encodings h5py writes (see corpus LAYOUTS.md §0):
// vlen strings NULLTERM (ASCII or UTF-8), fixed-length string arrays NULLPAD ASCII, and the empty
// float64 (0,) attribute for empty weight_names.
import h5wasm from 'h5wasm/node';
import fs from 'node:fs';

export const ready = h5wasm.ready;

export class H5Writer {
  constructor(path) {
    this.path = path;
    // superblock v0 / old-style groups like h5py's defaults
    this.f = new h5wasm.File(path, 'w', { libver: ['earliest', 'v108'] });
    this.patches = [];
  }
  group(path) { if (!this.f.get(path)) this.f.create_group(path); return path; }
  /** Creates missing parent groups of a dataset/group path. */
  ensureParents(path) {
    const parts = path.split('/').filter(Boolean); let cur = '';
    for (let i = 0; i < parts.length - 1; i++) { cur += '/' + parts[i]; if (!this.f.get(cur)) this.f.create_group(cur); }
  }
  obj(path) { return path === '/' || path === '' ? this.f : this.f.get(path); }
  /** Scalar vlen string; utf8 selects CSET UTF-8 (h5py writes str attrs of tf.keras root as UTF-8). */
  strAttr(path, name, value, { utf8 = false } = {}) {
    this.obj(path).create_attribute(name, value, null, utf8 ? 'S' : 'A');
    this.patches.push({ name, kind: 'vlen' });
  }
  /** 1-D array of vlen ASCII strings (h5py >= 3 layer_names / weight_names). */
  strArrayAttr(path, name, values) {
    this.obj(path).create_attribute(name, values, [values.length], 'A');
    this.patches.push({ name, kind: 'vlen' });
  }
  /** 1-D fixed-length S<n> NULLPAD array (h5py < 3, numpy bytes array). */
  fixedStrArrayAttr(path, name, values) {
    const n = Math.max(1, ...values.map((v) => Buffer.byteLength(v)));
    this.obj(path).create_attribute(name, values, [values.length], 'A' + n);
    this.patches.push({ name, kind: 'fixed' });
  }
  emptyFloatAttr(path, name) { this.obj(path).create_attribute(name, new Float64Array(0), [0], '<d'); }
  dataset(path, nd, dtype) {
    this.ensureParents(path);
    const data = dtype === 'float64' ? Float64Array.from(nd.data) : Float32Array.from(nd.data);
    this.f.create_dataset({ name: path, data, shape: nd.shape, dtype: dtype === 'float64' ? '<d' : '<f' });
  }
  close() {
    this.f.close();
    patchStringPads(this.path, new Map(this.patches.map((p) => [p.name, p.kind])));
  }
}

/**
 * h5wasm writes vlen UTF-8 strings SPACEPAD and fixed-length strings NULLTERM; h5py writes NULLTERM and
 * NULLPAD. Rewrites the padding nibble in each named attribute's datatype message (v1 attribute messages:
 * version 1, reserved, name size, datatype size, dataspace size, name padded to 8, datatype).
 */
function patchStringPads(path, kinds) {
  const buf = fs.readFileSync(path);
  let patched = 0;
  for (const [name, kind] of kinds) {
    const nameBytes = Buffer.from(name + '\0');
    let pos = 0;
    while ((pos = buf.indexOf(nameBytes, pos)) >= 0) {
      const h = pos - 8;
      if (h >= 0 && buf[h] === 1 && buf[h + 1] === 0 && buf.readUInt16LE(h + 2) === nameBytes.length) {
        const dt = pos + Math.ceil(nameBytes.length / 8) * 8;
        const cls = buf[dt] & 0x0f;
        if (kind === 'fixed' && cls === 3) { buf[dt + 1] = (buf[dt + 1] & 0xf0) | 1; patched++; }
        if (kind === 'vlen' && cls === 9 && (buf[dt + 1] & 0x0f) === 1) {
          buf[dt + 1] = buf[dt + 1] & 0x0f; // padding bits 4-7 -> NULLTERM
          const base = dt + 8;
          if ((buf[base] & 0x0f) === 3) buf[base + 1] = buf[base + 1] & 0xf0; // base string type NULLTERM
          patched++;
        }
      }
      pos += nameBytes.length;
    }
  }
  // Object modification time messages (type 0x12, v1, 8 bytes) make files differ from run to run, and
  // h5py >= 3 does not write them: turn each into a NIL message (type 0), which readers skip.
  for (let i = 0; i + 16 <= buf.length; i++) {
    if (buf.readUInt16LE(i) === 0x12 && buf.readUInt16LE(i + 2) === 8 && buf[i + 5] === 0 && buf[i + 6] === 0 && buf[i + 7] === 0 &&
        buf[i + 8] === 1 && buf[i + 9] === 0 && buf[i + 10] === 0 && buf[i + 11] === 0) {
      buf.writeUInt16LE(0, i); buf.fill(0, i + 4, i + 16);
    }
  }
  fs.writeFileSync(path, buf);
  return patched;
}
