// Writes model files in the layouts Keras writes (corpus LAYOUTS.md §1-§6) and the reference file.
import fs from 'node:fs';
import { H5Writer } from './h5.js';
import { pyJson, ND, snake } from './util.js';
import { tf2ModelConfig, k1ModelConfig, k3ModelConfig } from './configs.js';
import { writeStoredZip } from './zip.js';

export const GENERATOR = 'keras-port node exporter';
export const TF2_VERSION = '2.11.0';
export const K3_VERSION = '3.8.0';
export const K1_VERSION = '1.2.2';

const CELL = { LSTM: 'lstm_cell', GRU: 'gru_cell', SimpleRNN: 'simple_rnn_cell' };

/** tf.keras 2.x weight names per layer: [[weightName, ND]] (TF variable names, global cell counters). */
function tf2WeightNames(model, W) {
  const cellCount = {};
  const cellName = (kind) => { const b = CELL[kind]; const n = cellCount[b] ?? 0; cellCount[b] = n + 1; return n ? `${b}_${n}` : b; };
  const out = new Map();
  for (const l of model.layers) {
    const g = W.get(l.name);
    let names;
    switch (l.cls) {
      case 'LSTM': case 'GRU': case 'SimpleRNN': { const c = cellName(l.cls); names = g[0].arrays.map((a) => [`${l.name}/${c}/${a.name}:0`, a.nd]); break; }
      case 'RNN': names = g.flatMap((grp, i) => { const c = cellName(l.cells[i].kind); return grp.arrays.map((a) => [`${l.name}/${c}/${a.name}:0`, a.nd]); }); break;
      case 'Bidirectional': names = g.flatMap((grp, i) => { const c = cellName(l.inner.cls); const dir = i === 0 ? 'forward_' : 'backward_'; return grp.arrays.map((a) => [`${l.name}/${dir}${l.inner.name}/${c}/${a.name}:0`, a.nd]); }); break;
      default: names = g.flatMap((grp) => grp.arrays.map((a) => [`${l.name}/${a.name}:0`, a.nd]));
    }
    out.set(l.name, names);
  }
  return out;
}

/** Keras 3 legacy-h5 weight names (variable paths, no ':0'; Sequential adds the model name). */
function k3WeightNames(model, W) {
  const prefix = model.kind === 'sequential' ? model.name + '/' : '';
  const out = new Map();
  for (const l of model.layers) {
    const g = W.get(l.name);
    let names;
    switch (l.cls) {
      case 'LSTM': case 'GRU': case 'SimpleRNN': names = g[0].arrays.map((a) => [`${prefix}${l.name}/${CELL[l.cls]}/${a.name}`, a.nd]); break;
      case 'Bidirectional': names = g.flatMap((grp, i) => grp.arrays.map((a) => [`${prefix}${l.name}/${i ? 'backward_' : 'forward_'}${l.inner.name}/${CELL[l.inner.cls]}/${a.name}`, a.nd])); break;
      case 'TimeDistributed': names = g[0].arrays.map((a) => [`${prefix}${l.name}/${l.inner.name}/${a.name}`, a.nd]); break;
      default: names = g.flatMap((grp) => grp.arrays.map((a) => [`${prefix}${l.name}/${a.name}`, a.nd]));
    }
    out.set(l.name, names);
  }
  return out;
}

/** Keras 1 names: datasets directly in the layer group; LSTM split per gate in i, c, f, o order. */
function k1Weights(l, groups) {
  const arrs = Object.fromEntries(groups[0].arrays.map((a) => [a.name, a.nd]));
  const n = l.name;
  if (l.cls === 'Dense') return [[`${n}_W:0`, arrs.kernel], [`${n}_b:0`, arrs.bias]];
  const u = l.args.units;
  const cols = (nd, k) => { // column block k of width u
    const [r, c] = nd.shape.length === 2 ? nd.shape : [1, nd.shape[0]];
    const d = new Float64Array(r * u);
    for (let i = 0; i < r; i++) for (let j = 0; j < u; j++) d[i * u + j] = nd.data[i * c + k * u + j];
    return new ND(nd.shape.length === 2 ? [r, u] : [u], d);
  };
  if (l.cls === 'SimpleRNN') return [[`${n}_W:0`, arrs.kernel], [`${n}_U:0`, arrs.recurrent_kernel], [`${n}_b:0`, arrs.bias]];
  const gates = l.cls === 'LSTM' ? [['i', 0], ['c', 2], ['f', 1], ['o', 3]] : [['z', 0], ['r', 1], ['h', 2]];
  return gates.flatMap(([g, k]) => [[`${n}_W_${g}:0`, cols(arrs.kernel, k)], [`${n}_U_${g}:0`, cols(arrs.recurrent_kernel, k)], [`${n}_b_${g}:0`, cols(arrs.bias, k)]]);
}

function writeLayerGroups(w, root, model, names, dtype, { fixed = false, flat = false } = {}) {
  const inputNames = model.kind === 'functional' ? model.inputs.map((i) => i.name) : [];
  const layerNames = [...inputNames, ...model.layers.map((l) => l.name)];
  if (fixed) w.fixedStrArrayAttr(root, 'layer_names', layerNames); else w.strArrayAttr(root, 'layer_names', layerNames);
  for (const ln of layerNames) {
    const gp = `${root === '/' ? '' : root}/${ln}`;
    w.group(gp);
    const list = names.get(ln) ?? [];
    if (list.length === 0) { w.emptyFloatAttr(gp, 'weight_names'); continue; }
    if (fixed) w.fixedStrArrayAttr(gp, 'weight_names', list.map((x) => x[0])); else w.strArrayAttr(gp, 'weight_names', list.map((x) => x[0]));
    for (const [wn, nd] of list) w.dataset(flat ? `${gp}/${wn}` : `${gp}/${wn}`, nd, dtype);
  }
}

/** Full-model .h5 in the given style; returns the model_config object written. */
export function writeModelH5(path, model, W, style) {
  const w = new H5Writer(path);
  let cfg;
  if (style === 'tf2') {
    cfg = tf2ModelConfig(model);
    w.strAttr('/', 'backend', 'tensorflow', { utf8: true });
    w.strAttr('/', 'keras_version', TF2_VERSION, { utf8: true });
    w.strAttr('/', 'model_config', pyJson(cfg));
    w.strAttr('/', 'generator', GENERATOR);
    w.group('/model_weights');
    w.strAttr('/model_weights', 'backend', 'tensorflow');
    w.strAttr('/model_weights', 'keras_version', TF2_VERSION);
    writeLayerGroups(w, '/model_weights', model, tf2WeightNames(model, W), model.dtype);
    w.group('/model_weights/top_level_model_weights');
    w.emptyFloatAttr('/model_weights/top_level_model_weights', 'weight_names');
  } else if (style === 'k3h5') {
    cfg = k3ModelConfig(model, { zip: false });
    w.strAttr('/', 'backend', 'tensorflow', { utf8: true });
    w.strAttr('/', 'keras_version', K3_VERSION, { utf8: true });
    w.strAttr('/', 'model_config', pyJson(cfg));
    w.strAttr('/', 'generator', GENERATOR);
    w.group('/model_weights');
    w.strAttr('/model_weights', 'backend', 'tensorflow');
    w.strAttr('/model_weights', 'keras_version', K3_VERSION);
    writeLayerGroups(w, '/model_weights', model, k3WeightNames(model, W), model.dtype);
    w.group('/model_weights/top_level_model_weights');
    w.emptyFloatAttr('/model_weights/top_level_model_weights', 'weight_names');
  } else if (style === 'k1') {
    cfg = k1ModelConfig(model);
    w.strAttr('/', 'keras_version', K1_VERSION);
    w.strAttr('/', 'model_config', pyJson(cfg));
    w.strAttr('/', 'generator', GENERATOR);
    w.group('/model_weights');
    const names = new Map(model.layers.map((l) => [l.name, k1Weights(l, W.get(l.name))]));
    writeLayerGroups(w, '/model_weights', model, names, model.dtype, { fixed: true });
  } else throw new Error(style);
  w.close();
  return cfg;
}

/** tf.keras 2.x save_weights .h5 plus the model.to_json() sidecar. */
export function writeWeightsOnly(path, jsonPath, model, W) {
  const cfg = tf2ModelConfig(model);
  const w = new H5Writer(path);
  w.strAttr('/', 'backend', 'tensorflow');
  w.strAttr('/', 'keras_version', TF2_VERSION);
  w.strAttr('/', 'generator', GENERATOR);
  writeLayerGroups(w, '/', model, tf2WeightNames(model, W), model.dtype);
  w.group('/top_level_model_weights');
  w.emptyFloatAttr('/top_level_model_weights', 'weight_names');
  w.close();
  fs.writeFileSync(jsonPath, pyJson({ class_name: cfg.class_name, config: cfg.config, keras_version: TF2_VERSION, backend: 'tensorflow' }));
  return cfg;
}

/** Keras 3 .keras zip: metadata.json, config.json, model.weights.h5 (layers/<snake_case class>/...). */
export function writeKerasZip(path, model, W, tmpDir) {
  const cfg = k3ModelConfig(model, { zip: true });
  const h5path = `${tmpDir}/model.weights.h5`;
  const w = new H5Writer(h5path);
  const used = {};
  const auto = (cls) => { const b = snake(cls); const n = used[b] ?? 0; used[b] = n + 1; return n ? `${b}_${n}` : b; };
  const vars = (gp, name, arrays) => {
    w.ensureParents(`${gp}/vars/x`); w.group(`${gp}/vars`);
    w.strAttr(`${gp}/vars`, 'name', name, { utf8: true });
    arrays.forEach((a, i) => w.dataset(`${gp}/vars/${i}`, a.nd, model.dtype));
  };
  w.group('/layers');
  if (model.kind === 'functional') for (const inp of model.inputs) vars(`/layers/${auto('InputLayer')}`, inp.name, []);
  for (const l of model.layers) {
    const gp = `/layers/${auto(l.cls)}`;
    const g = W.get(l.name);
    if (['LSTM', 'GRU', 'SimpleRNN'].includes(l.cls)) { vars(`${gp}/cell`, CELL[l.cls], g[0].arrays); vars(gp, l.name, []); } else if (l.cls === 'Bidirectional') {
      vars(`${gp}/forward_layer/cell`, CELL[l.inner.cls], g[0].arrays); vars(`${gp}/forward_layer`, 'forward_' + l.inner.name, []);
      vars(`${gp}/backward_layer/cell`, CELL[l.inner.cls], g[1].arrays); vars(`${gp}/backward_layer`, 'backward_' + l.inner.name, []);
      vars(`${gp}/layer/cell`, CELL[l.inner.cls], []); vars(`${gp}/layer`, l.inner.name, []);
      vars(gp, l.name, []);
    } else if (l.cls === 'TimeDistributed') { vars(`${gp}/layer`, l.inner.name, g[0].arrays); vars(gp, l.name, []); } else vars(gp, l.name, g.flatMap((x) => x.arrays));
  }
  vars('', model.name, []);
  w.close();
  const metadata = { keras_version: K3_VERSION, date_saved: '2025-01-01@00:00:00', generator: GENERATOR };
  writeStoredZip(path, [
    ['metadata.json', Buffer.from(pyJson(metadata))],
    ['config.json', Buffer.from(pyJson(cfg))],
    ['model.weights.h5', fs.readFileSync(h5path)],
  ]);
  fs.unlinkSync(h5path);
  return cfg;
}

/**
 * Reference file (DL4J *_inputs_and_outputs.h5 layout): attrs inputs/outputs/dtype/source/generator,
 * groups inputs/, predictions/, activations/, and calls/<k>/{inputs,predictions} for stateful cases.
 */
export function writeReference(path, { inputNames, outputNames, dtype, source, calls, activations }) {
  const w = new H5Writer(path);
  w.strAttr('/', 'inputs', pyJson({ inputs: inputNames }));
  w.strAttr('/', 'outputs', pyJson({ outputs: outputNames }));
  w.strAttr('/', 'dtype', dtype);
  w.strAttr('/', 'source', source);
  w.strAttr('/', 'generator', GENERATOR);
  const put = (prefix, map) => { w.group(prefix); for (const [n, nd] of map) w.dataset(`${prefix}/${n}`, nd, dtype); };
  put('/inputs', calls[0].inputs); put('/predictions', calls[0].predictions);
  if (activations) put('/activations', activations);
  if (calls.length > 1) {
    w.group('/calls');
    calls.forEach((c, k) => { w.group(`/calls/${k}`); put(`/calls/${k}/inputs`, c.inputs); put(`/calls/${k}/predictions`, c.predictions); });
  }
  w.close();
}
