// model_config JSON builders in the shapes tf.keras 2.x (2.11), Keras 1.2.2 and Keras 3 write.
import { F, f32 } from './util.js';

const init = (cls, cfg = {}) => ({ class_name: cls, config: cfg });
const GLOROT = () => init('GlorotUniform', { seed: null });
const ORTHO = () => init('Orthogonal', { gain: F(1.0), seed: null });
const ZEROS = () => init('Zeros', {});
const ONES = () => init('Ones', {});

/** tf.keras 2.x layer config (values from the canonical snake_case args). */
export function tf2LayerConfig(layer, dtype) {
  const a = layer.args;
  const base = { name: layer.name, trainable: true, dtype };
  const rnnCommon = () => ({
    return_sequences: !!a.return_sequences, return_state: !!a.return_state, go_backwards: !!a.go_backwards,
    stateful: !!a.stateful, unroll: false, time_major: false,
  });
  const regs = (...names) => Object.fromEntries(names.map((n) => [n, null]));
  const cellBody = (kind, ca) => {
    const c = {
      units: ca.units, activation: ca.activation ?? 'tanh',
      ...(kind !== 'SimpleRNN' ? { recurrent_activation: ca.recurrent_activation ?? 'sigmoid' } : {}),
      use_bias: ca.use_bias !== false,
      kernel_initializer: GLOROT(), recurrent_initializer: ORTHO(), bias_initializer: ZEROS(),
      ...(kind === 'LSTM' ? { unit_forget_bias: true } : {}),
      ...regs('kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer'),
    };
    return c;
  };
  const cellTail = (kind, ca) => ({
    ...regs('kernel_constraint', 'recurrent_constraint', 'bias_constraint'),
    dropout: F(0.0), recurrent_dropout: F(0.0),
    ...(kind !== 'SimpleRNN' ? { implementation: 2 } : {}),
    ...(kind === 'GRU' ? { reset_after: !!ca.reset_after } : {}),
  });
  switch (layer.cls) {
    case 'Dense':
      return { ...base, units: a.units, activation: a.activation ?? 'linear', use_bias: a.use_bias !== false,
        kernel_initializer: GLOROT(), bias_initializer: ZEROS(),
        ...regs('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint') };
    case 'LSTM': case 'GRU': case 'SimpleRNN':
      return { ...base, ...rnnCommon(), ...cellBody(layer.cls, a), activity_regularizer: null, ...cellTail(layer.cls, a) };
    case 'RNN': {
      const cellCfg = (c, i) => init(c.kind + 'Cell', { name: c.name ?? `${c.kind.toLowerCase()}_cell${i ? '_' + i : ''}`, trainable: true, dtype, ...cellBody(c.kind, c.args), ...cellTail(c.kind, c.args) });
      const cell = layer.cells.length === 1 && !layer.stacked ? cellCfg(layer.cells[0], 0)
        : init('StackedRNNCells', { name: 'stacked_rnn_cells', trainable: true, dtype, cells: layer.cells.map(cellCfg) });
      return { ...base, ...rnnCommon(), cell };
    }
    case 'Bidirectional':
      return { ...base, layer: init(layer.inner.cls, tf2LayerConfig(layer.inner, dtype)), merge_mode: a.merge_mode ?? null };
    case 'TimeDistributed':
      return { ...base, layer: init(layer.inner.cls, tf2LayerConfig(layer.inner, dtype)) };
    case 'Embedding':
      return { ...base, input_dim: a.input_dim, output_dim: a.output_dim,
        embeddings_initializer: init('RandomUniform', { minval: F(-0.05), maxval: F(0.05), seed: null }),
        embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null,
        mask_zero: !!a.mask_zero, input_length: a.input_length ?? null };
    case 'Masking': return { ...base, mask_value: F(a.mask_value) };
    case 'Dropout': case 'SpatialDropout1D': return { ...base, rate: F(a.rate), noise_shape: null, seed: null };
    case 'GaussianNoise': return { ...base, stddev: F(a.stddev), seed: null };
    case 'GaussianDropout': return { ...base, rate: F(a.rate), seed: null };
    case 'AlphaDropout': return { ...base, rate: F(a.rate), seed: null };
    case 'ActivityRegularization': return { ...base, l1: F(a.l1), l2: F(a.l2) };
    case 'Activation': return { ...base, activation: a.activation };
    case 'ReLU': return { ...base, max_value: a.max_value == null ? null : F(f32(a.max_value)), negative_slope: F(f32(a.negative_slope)), threshold: F(f32(a.threshold)) };
    case 'LeakyReLU': return { ...base, alpha: F(f32(a.alpha)) };
    case 'PReLU': return { ...base, alpha_initializer: ZEROS(), alpha_regularizer: null, alpha_constraint: null, shared_axes: null };
    case 'ELU': return { ...base, alpha: F(f32(a.alpha)) };
    case 'Softmax': return { ...base, axis: a.axis ?? -1 };
    case 'RepeatVector': return { ...base, n: a.n };
    case 'Flatten': return { ...base, data_format: 'channels_last' };
    case 'Reshape': return { ...base, target_shape: a.target_shape };
    case 'Permute': return { ...base, dims: a.dims };
    case 'Concatenate': return { ...base, axis: a.axis };
    case 'Add': case 'Subtract': case 'Multiply': case 'Average': case 'Maximum': case 'Minimum': return base;
    case 'Conv1D':
      return { ...base, filters: a.filters, kernel_size: a.kernel_size, strides: a.strides, padding: a.padding,
        data_format: 'channels_last', dilation_rate: a.dilation_rate, groups: 1, activation: a.activation ?? 'linear',
        use_bias: a.use_bias !== false, kernel_initializer: GLOROT(), bias_initializer: ZEROS(),
        ...regs('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint') };
    case 'MaxPooling1D': case 'AveragePooling1D':
      return { ...base, strides: a.strides, pool_size: a.pool_size, padding: a.padding, data_format: 'channels_last' };
    case 'GlobalMaxPooling1D': case 'GlobalAveragePooling1D': return { ...base, data_format: 'channels_last', keepdims: false };
    case 'BatchNormalization':
      return { ...base, axis: -1, momentum: F(0.99), epsilon: F(a.epsilon), center: a.center !== false, scale: a.scale !== false,
        beta_initializer: ZEROS(), gamma_initializer: ONES(), moving_mean_initializer: ZEROS(), moving_variance_initializer: ONES(),
        ...regs('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint') };
    case 'LayerNormalization':
      return { ...base, axis: [layer.inRank - 1], epsilon: F(a.epsilon), center: a.center !== false, scale: a.scale !== false,
        beta_initializer: ZEROS(), gamma_initializer: ONES(),
        ...regs('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint') };
    default: throw new Error('tf2 config: ' + layer.cls);
  }
}

const nodeRef = (r) => [r[0], r[1] ?? 0, r[2] ?? 0, {}];

/** Full tf.keras 2.x model_config {class_name, config}. */
export function tf2ModelConfig(model) {
  const dt = model.dtype;
  const inputCfg = (inp) => ({ batch_input_shape: [inp.batch ?? null, ...inp.shape], dtype: inp.int ? 'float32' : dt, sparse: false, ragged: false, name: inp.name });
  if (model.kind === 'sequential') {
    const layers = [init('InputLayer', inputCfg(model.inputs[0])), ...model.layers.map((l) => init(l.cls, tf2LayerConfig(l, dt)))];
    return { class_name: 'Sequential', config: { name: model.name, layers } };
  }
  const layers = [
    ...model.inputs.map((inp) => ({ class_name: 'InputLayer', config: inputCfg(inp), name: inp.name, inbound_nodes: [] })),
    ...model.layers.map((l) => {
      const node = l.inbound.map(nodeRef);
      if (l.initialState) node.push(...l.initialState.map(nodeRef));
      return { class_name: l.cls, config: tf2LayerConfig(l, dt), name: l.name, inbound_nodes: [node] };
    }),
  ];
  return { class_name: 'Functional', config: { name: model.name, layers,
    input_layers: model.inputs.map((i) => [i.name, 0, 0]), output_layers: model.outputs.map((o) => [o[0], o[1] ?? 0, o[2] ?? 0]) } };
}

/** Keras 1.2.2 Sequential config (list of layers) for LSTM / GRU / SimpleRNN / Dense. */
export function k1ModelConfig(model) {
  const first = model.inputs[0];
  const layers = model.layers.map((l, idx) => {
    const a = l.args;
    const c = { name: l.name, trainable: true };
    if (idx === 0) Object.assign(c, { batch_input_shape: [null, ...first.shape], input_dtype: 'float32' });
    if (l.cls === 'Dense') {
      Object.assign(c, { output_dim: a.units, init: 'glorot_uniform', activation: a.activation ?? 'linear', W_regularizer: null,
        b_regularizer: null, activity_regularizer: null, W_constraint: null, b_constraint: null, bias: true, input_dim: l.inDim });
    } else {
      Object.assign(c, { output_dim: a.units, init: 'glorot_uniform', inner_init: 'orthogonal', activation: a.activation ?? 'tanh',
        W_regularizer: null, U_regularizer: null, b_regularizer: null, dropout_W: F(0.0), dropout_U: F(0.0),
        return_sequences: !!a.return_sequences, go_backwards: !!a.go_backwards, stateful: !!a.stateful, unroll: false,
        consume_less: 'cpu', input_dim: l.inDim, input_length: null });
      if (l.cls !== 'SimpleRNN') c.inner_activation = a.recurrent_activation ?? 'hard_sigmoid';
      if (l.cls === 'LSTM') c.forget_bias_init = 'one';
    }
    return init(l.cls, c);
  });
  return { class_name: 'Sequential', config: layers };
}

// ---------------- Keras 3 ----------------
const k3obj = (module, cls, config) => ({ module, class_name: cls, config, registered_name: null });
const k3init = (cls, cfg) => k3obj('keras.initializers', cls, cfg);
const policy = (dt) => k3obj('keras', 'DTypePolicy', { name: dt });

/** Keras 3 activation serialization: a builtin name, or a registered function object. */
function k3act(name) {
  if (name === 'gelu_tanh') {
    // keras_nlp registers gelu(x, approximate=True) as "keras_nlp>gelu_approximate"; activations.serialize
    // returns the function config with the registered name.
    return { module: 'keras_nlp.src.utils.keras_utils', class_name: 'function', config: 'keras_nlp>gelu_approximate', registered_name: 'function' };
  }
  return name;
}

export function k3LayerConfig(layer, dt) {
  const a = layer.args;
  const base = { name: layer.name, trainable: true, dtype: policy(dt) };
  const regs = (...names) => Object.fromEntries(names.map((n) => [n, null]));
  switch (layer.cls) {
    case 'Dense':
      return { ...base, units: a.units, activation: k3act(a.activation ?? 'linear'), use_bias: a.use_bias !== false,
        kernel_initializer: k3init('GlorotUniform', { seed: null }), bias_initializer: k3init('Zeros', {}),
        ...regs('kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint') };
    case 'LSTM': case 'GRU': case 'SimpleRNN': {
      const k = layer.cls;
      return { ...base, return_sequences: !!a.return_sequences, return_state: !!a.return_state, go_backwards: !!a.go_backwards,
        stateful: !!a.stateful, unroll: false, zero_output_for_mask: !!layer.zeroOutputForMask, units: a.units,
        activation: k3act(a.activation ?? 'tanh'),
        ...(k !== 'SimpleRNN' ? { recurrent_activation: k3act(a.recurrent_activation ?? 'sigmoid') } : {}),
        use_bias: a.use_bias !== false, kernel_initializer: k3init('GlorotUniform', { seed: null }),
        recurrent_initializer: k3init('Orthogonal', { seed: null, gain: F(1.0) }), bias_initializer: k3init('Zeros', {}),
        ...(k === 'LSTM' ? { unit_forget_bias: true } : {}),
        ...regs('kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint'),
        dropout: F(0.0), recurrent_dropout: F(0.0), ...(k === 'GRU' ? { reset_after: !!a.reset_after } : {}), seed: null };
    }
    case 'Bidirectional': {
      const fw = { ...layer.inner, name: 'forward_' + layer.inner.name, zeroOutputForMask: !!layer.inner.args.return_sequences };
      const bw = { ...layer.inner, name: 'backward_' + layer.inner.name, zeroOutputForMask: !!layer.inner.args.return_sequences, args: { ...layer.inner.args, go_backwards: !layer.inner.args.go_backwards } };
      return { ...base, merge_mode: a.merge_mode ?? null, layer: k3obj('keras.layers', fw.cls, k3LayerConfig(fw, dt)),
        backward_layer: k3obj('keras.layers', bw.cls, k3LayerConfig(bw, dt)) };
    }
    case 'TimeDistributed': {
      const o = k3obj('keras.layers', layer.inner.cls, k3LayerConfig(layer.inner, dt));
      o.build_config = { input_shape: [null, ...layer.inShape.slice(1)] };
      return { ...base, layer: o };
    }
    case 'Embedding':
      return { ...base, input_dim: a.input_dim, output_dim: a.output_dim,
        embeddings_initializer: k3init('RandomUniform', { seed: null, minval: F(-0.05), maxval: F(0.05) }),
        embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: !!a.mask_zero };
    case 'Activation': return { ...base, activation: k3act(a.activation) };
    default: throw new Error('k3 config: ' + layer.cls);
  }
}

/** Keras 3 model config. `zip` selects the .keras form (module/registered_name on layers, build_config). */
export function k3ModelConfig(model, { zip }) {
  const dt = model.dtype;
  const inputCfg = (inp) => ({ batch_shape: [inp.batch ?? null, ...inp.shape], dtype: inp.int ? 'int32' : dt, sparse: false, name: inp.name });
  const wrap = (cls, config, extra = {}) => (zip ? { module: 'keras.layers', class_name: cls, config, registered_name: null, ...extra } : { class_name: cls, config, ...extra });
  const ktensor = (ref) => {
    const src = ref[0];
    const shape = model.shapeOf(ref);
    return { class_name: '__keras_tensor__', config: { shape: [null, ...shape], dtype: model.dtypeOf(ref), keras_history: [src, ref[1] ?? 0, ref[2] ?? 0] } };
  };
  if (model.kind === 'sequential') {
    const layers = [wrap('InputLayer', inputCfg(model.inputs[0])),
      ...model.layers.map((l) => wrap(l.cls, k3LayerConfig(l, dt), zip ? { build_config: { input_shape: [null, ...l.inShape] } } : {}))];
    return { ...(zip ? { module: 'keras' } : {}), class_name: 'Sequential',
      config: { name: model.name, trainable: true, dtype: policy(dt), layers, build_input_shape: [null, ...model.inputs[0].shape] },
      ...(zip ? { registered_name: null, build_config: { input_shape: [null, ...model.inputs[0].shape] } } : {}) };
  }
  const layers = [
    ...model.inputs.map((inp) => wrap('InputLayer', inputCfg(inp), { name: inp.name, inbound_nodes: [] })),
    ...model.layers.map((l) => {
      const args = l.inbound.length === 1 ? [ktensor(l.inbound[0])] : [l.inbound.map(ktensor)];
      const kwargs = l.initialState ? { initial_state: l.initialState.map(ktensor), training: false } : (l.cls.match(/LSTM|GRU|SimpleRNN|Bidirectional/) ? { training: false, mask: null } : {});
      return wrap(l.cls, k3LayerConfig(l, dt), { ...(zip ? { build_config: { input_shape: [null, ...l.inShape] } } : {}), name: l.name, inbound_nodes: [{ args, kwargs }] });
    }),
  ];
  return { ...(zip ? { module: 'keras.src.models.functional' } : {}), class_name: 'Functional',
    config: { name: model.name, trainable: true, layers, input_layers: model.inputs.map((i) => [i.name, 0, 0]),
      output_layers: model.outputs.map((o) => [o[0], o[1] ?? 0, o[2] ?? 0]) },
    ...(zip ? { registered_name: 'Functional', build_config: { input_shape: null }, compile_config: null } : {}) };
}
