// Every fixture case. Layer args use Keras's own config keys (snake_case).
const L = (cls, args = {}, more = {}) => ({ cls, args, ...more });
const cell = (kind, args) => ({ kind, args });
let seed = 1;
/** Sequential case. */
const S = (family, name, shape, layers, o = {}) => ({ family, case: name, kind: 'sequential', inputs: [{ shape, ...(o.input ?? {}) }], layers, seed: seed++, ...o });
/** Functional case. */
const Fn = (family, name, inputs, layers, outputs, o = {}) => ({ family, case: name, kind: 'functional', inputs, layers, outputs, seed: seed++, ...o });

const SAT = { kernel: 3, recurrent: 2.5, bias: 1.5 };   // gates saturate in places
const MILD = { kernel: 0.8, recurrent: 0.6, bias: 0.3 };

export const CASES = [
  // ---------------- dense ----------------
  S('dense', 'dense_relu_softmax', [5], [L('Dense', { units: 8, activation: 'relu' }), L('Dense', { units: 3, activation: 'softmax' })], { covers: ['Dense', 'relu', 'softmax', 'Sequential'] }),
  S('dense', 'dense_3d_tanh', [4, 3], [L('Dense', { units: 6, activation: 'tanh' })], { covers: ['Dense on 3-D input'] }),
  S('dense', 'dense_no_bias', [6], [L('Dense', { units: 4, activation: 'sigmoid', use_bias: false })], { batch: 3, covers: ['Dense use_bias=False'] }),

  // ---------------- lstm ----------------
  S('lstm', 'lstm_last', [6, 3], [L('LSTM', { units: 5 })], { covers: ['LSTM'] }),
  S('lstm', 'lstm_seq_dense', [5, 4], [L('LSTM', { units: 4, return_sequences: true }), L('Dense', { units: 2 })], { covers: ['LSTM return_sequences'] }),
  S('lstm', 'lstm_relu_hard_sigmoid', [6, 3], [L('LSTM', { units: 5, activation: 'relu', recurrent_activation: 'hard_sigmoid' })], { scales: { kernel: 1.5, recurrent: 0.7, bias: 0.8 }, covers: ['LSTM activation=relu', 'recurrent_activation=hard_sigmoid (Keras 2)'] }),
  S('lstm', 'lstm_saturating', [8, 3], [L('LSTM', { units: 6, return_sequences: true })], { scales: SAT, inputScale: 2, covers: ['LSTM saturated gates'] }),
  S('lstm', 'lstm_go_backwards_seq', [5, 3], [L('LSTM', { units: 4, return_sequences: true, go_backwards: true })], { covers: ['LSTM go_backwards return_sequences (output in processing order)'] }),
  S('lstm', 'lstm_go_backwards_last', [5, 3], [L('LSTM', { units: 4, go_backwards: true })], { covers: ['LSTM go_backwards'] }),
  Fn('lstm', 'lstm_return_state', [{ shape: [5, 3] }], [L('LSTM', { units: 4, return_state: true }, { inbound: ['input_1'] })], [['lstm', 0, 0], ['lstm', 0, 1], ['lstm', 0, 2]], { covers: ['LSTM return_state [output, h, c]'] }),
  Fn('lstm', 'lstm_return_state_seq', [{ shape: [4, 2] }], [L('LSTM', { units: 3, return_sequences: true, return_state: true }, { inbound: ['input_1'] })], [['lstm', 0, 0], ['lstm', 0, 1], ['lstm', 0, 2]], { covers: ['LSTM return_sequences + return_state'] }),
  Fn('lstm', 'lstm_initial_state', [{ shape: [5, 3] }, { shape: [4] }, { shape: [4] }],
    [L('LSTM', { units: 4, return_sequences: true }, { inbound: ['input_1'], initialState: ['input_2', 'input_3'] }), L('Dense', { units: 2 }, { inbound: ['lstm'] })], [['dense', 0, 0]], { covers: ['LSTM initial_state as model inputs'] }),
  S('lstm', 'lstm_stacked', [6, 3], [L('LSTM', { units: 5, return_sequences: true }), L('LSTM', { units: 4 }), L('Dense', { units: 1 })], { covers: ['stacked LSTM'] }),

  // ---------------- gru ----------------
  S('gru', 'gru_reset_after_false', [6, 3], [L('GRU', { units: 5, reset_after: false })], { covers: ['GRU reset_after=False bias (3u)'] }),
  S('gru', 'gru_reset_after_true', [6, 3], [L('GRU', { units: 5, reset_after: true })], { covers: ['GRU reset_after=True bias (2,3u)'] }),
  S('gru', 'gru_reset_after_true_seq', [5, 4], [L('GRU', { units: 4, reset_after: true, return_sequences: true }), L('Dense', { units: 2 })], { scales: SAT, covers: ['GRU reset_after=True return_sequences, saturated'] }),
  S('gru', 'gru_reset_after_false_backwards_seq', [5, 3], [L('GRU', { units: 4, reset_after: false, return_sequences: true, go_backwards: true })], { covers: ['GRU go_backwards'] }),
  Fn('gru', 'gru_state_initial_state', [{ shape: [4, 3] }, { shape: [3] }], [L('GRU', { units: 3, reset_after: true, return_state: true }, { inbound: ['input_1'], initialState: ['input_2'] })], [['gru', 0, 0], ['gru', 0, 1]], { covers: ['GRU return_state + initial_state'] }),
  S('gru', 'gru_saturating_hard_sigmoid', [7, 3], [L('GRU', { units: 5, reset_after: false, recurrent_activation: 'hard_sigmoid', return_sequences: true })], { scales: SAT, inputScale: 2, covers: ['GRU hard_sigmoid saturated'] }),

  // ---------------- simple_rnn ----------------
  S('simple_rnn', 'simple_rnn_tanh', [6, 3], [L('SimpleRNN', { units: 5 })], { covers: ['SimpleRNN'] }),
  S('simple_rnn', 'simple_rnn_relu_seq', [5, 3], [L('SimpleRNN', { units: 4, activation: 'relu', return_sequences: true })], { scales: MILD, covers: ['SimpleRNN relu return_sequences'] }),
  Fn('simple_rnn', 'simple_rnn_backwards_state', [{ shape: [5, 2] }], [L('SimpleRNN', { units: 3, go_backwards: true, return_state: true, return_sequences: true }, { inbound: ['input_1'] })], [['simple_rnn', 0, 0], ['simple_rnn', 0, 1]], { covers: ['SimpleRNN go_backwards return_state'] }),

  // ---------------- cells ----------------
  S('cells', 'rnn_lstm_cell', [5, 3], [L('RNN', { return_sequences: true }, { cells: [cell('LSTM', { units: 4 })] })], { covers: ['RNN(LSTMCell)'] }),
  S('cells', 'rnn_gru_cell', [5, 3], [L('RNN', {}, { cells: [cell('GRU', { units: 4, reset_after: false })] })], { covers: ['RNN(GRUCell reset_after=False)'] }),
  S('cells', 'rnn_gru_cell_reset_after', [5, 3], [L('RNN', { return_sequences: true }, { cells: [cell('GRU', { units: 4, reset_after: true })] })], { covers: ['RNN(GRUCell reset_after=True)'] }),
  S('cells', 'rnn_simple_rnn_cell', [5, 3], [L('RNN', { go_backwards: true }, { cells: [cell('SimpleRNN', { units: 4 })] })], { covers: ['RNN(SimpleRNNCell) go_backwards'] }),
  S('cells', 'rnn_stacked_cells', [6, 3], [L('RNN', { return_sequences: true }, { stacked: true, cells: [cell('LSTM', { units: 5 }), cell('GRU', { units: 4, reset_after: false }), cell('SimpleRNN', { units: 3 })] })], { covers: ['RNN(StackedRNNCells[LSTMCell, GRUCell, SimpleRNNCell])'] }),

  // ---------------- bidirectional ----------------
  S('bidirectional', 'bidi_lstm_concat_seq', [5, 3], [L('Bidirectional', { merge_mode: 'concat' }, { inner: L('LSTM', { units: 4, return_sequences: true }) })], { covers: ['Bidirectional concat return_sequences'] }),
  S('bidirectional', 'bidi_lstm_concat_last', [5, 3], [L('Bidirectional', { merge_mode: 'concat' }, { inner: L('LSTM', { units: 4 }) }), L('Dense', { units: 2 })], { covers: ['Bidirectional concat'] }),
  S('bidirectional', 'bidi_gru_sum_seq', [5, 3], [L('Bidirectional', { merge_mode: 'sum' }, { inner: L('GRU', { units: 4, reset_after: false, return_sequences: true }) })], { covers: ['Bidirectional sum'] }),
  S('bidirectional', 'bidi_simple_rnn_mul_last', [5, 3], [L('Bidirectional', { merge_mode: 'mul' }, { inner: L('SimpleRNN', { units: 4 }) })], { covers: ['Bidirectional mul'] }),
  S('bidirectional', 'bidi_lstm_ave_seq', [4, 3], [L('Bidirectional', { merge_mode: 'ave' }, { inner: L('LSTM', { units: 3, return_sequences: true }) })], { covers: ['Bidirectional ave'] }),
  Fn('bidirectional', 'bidi_lstm_none_seq', [{ shape: [4, 3] }], [L('Bidirectional', { merge_mode: null }, { inbound: ['input_1'], inner: L('LSTM', { units: 3, return_sequences: true }) })], [['bidirectional', 0, 0], ['bidirectional', 0, 1]], { covers: ['Bidirectional merge_mode=None'] }),
  Fn('bidirectional', 'bidi_gru_none_last', [{ shape: [4, 3] }], [L('Bidirectional', { merge_mode: null }, { inbound: ['input_1'], inner: L('GRU', { units: 3, reset_after: false }) })], [['bidirectional', 0, 0], ['bidirectional', 0, 1]], { covers: ['Bidirectional merge_mode=None last'] }),
  Fn('bidirectional', 'bidi_lstm_concat_state', [{ shape: [5, 3] }], [L('Bidirectional', { merge_mode: 'concat' }, { inbound: ['input_1'], inner: L('LSTM', { units: 3, return_state: true }) })],
    [['bidirectional', 0, 0], ['bidirectional', 0, 1], ['bidirectional', 0, 2], ['bidirectional', 0, 3], ['bidirectional', 0, 4]], { covers: ['Bidirectional return_state [y, fh, fc, bh, bc]'] }),
  Fn('bidirectional', 'bidi_gru_none_state_seq', [{ shape: [4, 2] }], [L('Bidirectional', { merge_mode: null }, { inbound: ['input_1'], inner: L('GRU', { units: 3, reset_after: false, return_sequences: true, return_state: true }) })],
    [['bidirectional', 0, 0], ['bidirectional', 0, 1], ['bidirectional', 0, 2], ['bidirectional', 0, 3]], { covers: ['Bidirectional None + return_state + return_sequences'] }),
  S('bidirectional', 'bidi_gru_reset_after_concat', [5, 3], [L('Bidirectional', { merge_mode: 'concat' }, { inner: L('GRU', { units: 4, reset_after: true, return_sequences: true }) }), L('Dense', { units: 2 })], { covers: ['Bidirectional GRU reset_after=True'] }),

  // ---------------- time_distributed ----------------
  S('time_distributed', 'td_dense_after_lstm', [5, 3], [L('LSTM', { units: 4, return_sequences: true }), L('TimeDistributed', {}, { inner: L('Dense', { units: 2, activation: 'sigmoid' }) })], { covers: ['TimeDistributed(Dense)'] }),
  S('time_distributed', 'td_dense_input', [4, 5], [L('TimeDistributed', {}, { inner: L('Dense', { units: 3, activation: 'relu' }) }), L('GRU', { units: 3, reset_after: false })], { covers: ['TimeDistributed(Dense) on input'] }),

  // ---------------- masking ----------------
  S('masking', 'masking_lstm_seq', [6, 3], [L('Masking', { mask_value: 0 }), L('LSTM', { units: 4, return_sequences: true })], { batch: 3, input: { masked: [[0, 4], [0, 5], [1, 2], [2, 5]] }, covers: ['Masking -> LSTM return_sequences (masked steps repeat previous output)'] }),
  S('masking', 'masking_gru_last', [6, 3], [L('Masking', { mask_value: 0 }), L('GRU', { units: 4, reset_after: true })], { batch: 2, input: { masked: [[0, 3], [0, 4], [0, 5], [1, 1]] }, covers: ['Masking -> GRU reset_after=True'] }),
  S('masking', 'masking_simple_rnn_backwards', [5, 3], [L('Masking', { mask_value: 0 }), L('SimpleRNN', { units: 3, return_sequences: true, go_backwards: true })], { batch: 2, input: { masked: [[0, 3], [0, 4], [1, 0]] }, covers: ['Masking -> SimpleRNN go_backwards'] }),
  S('masking', 'masking_leading_steps', [6, 2], [L('Masking', { mask_value: 0 }), L('LSTM', { units: 3, return_sequences: true }), L('Dense', { units: 2 })], { batch: 2, input: { masked: [[0, 0], [0, 1], [1, 0]] }, covers: ['masked leading steps output zeros before the first valid step', 'mask through Dense'] }),
  S('masking', 'embedding_mask_lstm', [6], [L('Embedding', { input_dim: 9, output_dim: 4, mask_zero: true }), L('LSTM', { units: 4, return_sequences: true }), L('Dense', { units: 2 })], { batch: 3, input: { int: true, vocab: 9, masked: [[0, 5], [1, 3], [1, 4], [1, 5], [2, 2]] }, covers: ['Embedding mask_zero -> LSTM'] }),
  S('masking', 'embedding_mask_bidi_seq', [6], [L('Embedding', { input_dim: 9, output_dim: 3, mask_zero: true }), L('Bidirectional', { merge_mode: 'concat' }, { inner: L('LSTM', { units: 3, return_sequences: true }) })], { batch: 2, input: { int: true, vocab: 9, masked: [[0, 4], [0, 5], [1, 2]] }, covers: ['Embedding mask_zero -> Bidirectional return_sequences (masked outputs are zero)'] }),
  S('masking', 'embedding_mask_bidi_last', [6], [L('Embedding', { input_dim: 9, output_dim: 3, mask_zero: true }), L('Bidirectional', { merge_mode: 'sum' }, { inner: L('GRU', { units: 3, reset_after: false }) })], { batch: 2, input: { int: true, vocab: 9, masked: [[0, 4], [0, 5], [1, 1]] }, covers: ['Embedding mask_zero -> Bidirectional last'] }),
  S('masking', 'masking_td_lstm', [5, 3], [L('Masking', { mask_value: 0 }), L('TimeDistributed', {}, { inner: L('Dense', { units: 4, activation: 'tanh' }) }), L('LSTM', { units: 3 })], { batch: 2, input: { masked: [[0, 3], [0, 4], [1, 1]] }, covers: ['Masking -> TimeDistributed(Dense) -> LSTM (mask passes TimeDistributed)'] }),
  Fn('masking', 'masking_lstm_return_state', [{ shape: [5, 2], masked: [[0, 3], [0, 4], [1, 2]] }], [L('Masking', { mask_value: 0 }, { inbound: ['input_1'] }), L('LSTM', { units: 3, return_state: true }, { inbound: ['masking'] })], [['lstm', 0, 0], ['lstm', 0, 1], ['lstm', 0, 2]], { covers: ['Masking -> LSTM return_state'] }),

  // ---------------- stateful ----------------
  S('stateful', 'stateful_lstm', [4, 3], [L('LSTM', { units: 4, stateful: true })], { batch: 2, calls: 3, input: { batch: 2 }, covers: ['LSTM stateful across 3 predict calls'] }),
  S('stateful', 'stateful_gru_seq', [3, 2], [L('GRU', { units: 3, reset_after: false, stateful: true, return_sequences: true })], { batch: 2, calls: 3, input: { batch: 2 }, covers: ['GRU stateful'] }),
  S('stateful', 'stateful_simple_rnn_lstm', [3, 2], [L('SimpleRNN', { units: 3, stateful: true, return_sequences: true }), L('LSTM', { units: 3, stateful: true })], { batch: 1, calls: 4, input: { batch: 1 }, covers: ['stacked stateful SimpleRNN + LSTM'] }),
  S('stateful', 'stateful_gru_reset_after', [3, 2], [L('GRU', { units: 3, reset_after: true, stateful: true })], { batch: 2, calls: 3, input: { batch: 2 }, covers: ['GRU reset_after=True stateful'] }),

  // ---------------- float64 ----------------
  S('float64', 'f64_dense', [5], [L('Dense', { units: 6, activation: 'tanh' }), L('Dense', { units: 2 })], { dtype: 'float64', covers: ['float64 Dense'] }),
  S('float64', 'f64_lstm_seq', [5, 3], [L('LSTM', { units: 4, return_sequences: true })], { dtype: 'float64', scales: SAT, covers: ['float64 LSTM'] }),
  S('float64', 'f64_gru_reset_after', [5, 3], [L('GRU', { units: 4, reset_after: true })], { dtype: 'float64', covers: ['float64 GRU reset_after=True'] }),
  S('float64', 'f64_bidi_simple_rnn', [4, 3], [L('Bidirectional', { merge_mode: 'concat' }, { inner: L('SimpleRNN', { units: 3, return_sequences: true }) })], { dtype: 'float64', covers: ['float64 Bidirectional'] }),

  // ---------------- functional ----------------
  Fn('functional', 'func_two_inputs', [{ shape: [5, 3] }, { shape: [4] }],
    [L('LSTM', { units: 4 }, { inbound: ['input_1'] }), L('Dense', { units: 3, activation: 'relu' }, { inbound: ['input_2'] }), L('Concatenate', { axis: -1 }, { inbound: ['lstm', 'dense'] }), L('Dense', { units: 2 }, { name: 'head', inbound: ['concatenate'] })],
    [['head', 0, 0]], { covers: ['Functional two inputs', 'Concatenate'] }),
  Fn('functional', 'func_two_outputs', [{ shape: [5, 3] }],
    [L('GRU', { units: 4, reset_after: false, return_sequences: true }, { inbound: ['input_1'] }), L('Dense', { units: 2 }, { name: 'per_step', inbound: ['gru'] }), L('GlobalAveragePooling1D', {}, { inbound: ['gru'] }), L('Dense', { units: 1, activation: 'sigmoid' }, { name: 'summary', inbound: ['global_average_pooling1d'] })],
    [['per_step', 0, 0], ['summary', 0, 0]], { covers: ['Functional two outputs'] }),
  Fn('functional', 'func_seq2seq', [{ shape: [5, 3], name: 'encoder_input' }, { shape: [4, 2], name: 'decoder_input' }],
    [L('LSTM', { units: 4, return_state: true }, { name: 'encoder', inbound: ['encoder_input'] }), L('LSTM', { units: 4, return_sequences: true }, { name: 'decoder', inbound: ['decoder_input'], initialState: [['encoder', 0, 1], ['encoder', 0, 2]] }), L('TimeDistributed', {}, { name: 'decoder_output', inbound: ['decoder'], inner: L('Dense', { units: 3, activation: 'softmax' }) })],
    [['decoder_output', 0, 0]], { covers: ['encoder-decoder: states of one LSTM as initial_state of another'] }),

  // ---------------- layers ----------------
  S('layers', 'embedding_flatten', [4], [L('Embedding', { input_dim: 7, output_dim: 3, input_length: 4 }), L('Flatten'), L('Dense', { units: 2 })], { input: { int: true, vocab: 7 }, covers: ['Embedding', 'Flatten'] }),
  S('layers', 'dropout_family_identity', [4, 3], [L('Dense', { units: 5 }), L('Dropout', { rate: 0.5 }), L('SpatialDropout1D', { rate: 0.3 }), L('GaussianNoise', { stddev: 0.4 }), L('GaussianDropout', { rate: 0.2 }), L('AlphaDropout', { rate: 0.1 }), L('Dense', { units: 2 })], { covers: ['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout (identity at inference)'] }),
  S('layers', 'activity_regularization', [4], [L('Dense', { units: 5, activation: 'relu' }), L('ActivityRegularization', { l1: 0.01, l2: 0.02 }), L('Dense', { units: 2 })], { covers: ['ActivityRegularization (identity at inference)'] }),
  S('layers', 'activation_layers', [5], [L('Dense', { units: 6 }), L('Activation', { activation: 'tanh' }), L('Dense', { units: 4 }), L('Activation', { activation: 'softmax' })], { covers: ['Activation'] }),
  S('layers', 'relu_max_value', [6], [L('Dense', { units: 8 }), L('ReLU', { max_value: 0.6, negative_slope: 0, threshold: 0 })], { scales: { kernel: 2, bias: 0.5 }, covers: ['ReLU max_value'] }),
  S('layers', 'relu_slope_threshold', [6], [L('Dense', { units: 8 }), L('ReLU', { max_value: 1.5, negative_slope: 0.1, threshold: 0.2 }), L('Dense', { units: 8 }), L('ReLU', { max_value: null, negative_slope: 0.25, threshold: 0 })], { scales: { kernel: 2, bias: 0.5 }, covers: ['ReLU negative_slope + threshold + max_value'] }),
  S('layers', 'leaky_prelu_elu_softmax', [5], [L('Dense', { units: 6 }), L('LeakyReLU', { alpha: 0.3 }), L('Dense', { units: 6 }), L('PReLU'), L('Dense', { units: 5 }), L('ELU', { alpha: 1.0 }), L('Softmax', { axis: -1 })], { covers: ['LeakyReLU', 'PReLU', 'ELU', 'Softmax'] }),
  S('layers', 'elu_alpha', [5], [L('Dense', { units: 6 }), L('ELU', { alpha: 0.7 })], { scales: { kernel: 2, bias: 0.5 }, covers: ['ELU alpha=0.7'] }),
  S('layers', 'repeat_vector_lstm', [4], [L('Dense', { units: 3 }), L('RepeatVector', { n: 3 }), L('LSTM', { units: 3, return_sequences: true })], { covers: ['RepeatVector'] }),
  S('layers', 'reshape_permute_flatten', [4, 6], [L('Reshape', { target_shape: [6, 4] }), L('Permute', { dims: [2, 1] }), L('Flatten'), L('Dense', { units: 3 })], { covers: ['Reshape', 'Permute', 'Flatten'] }),
  Fn('layers', 'merge_layers', [{ shape: [4] }, { shape: [4] }],
    [L('Add', {}, { inbound: ['input_1', 'input_2'] }), L('Multiply', {}, { inbound: ['input_1', 'input_2'] }), L('Average', {}, { inbound: ['input_1', 'input_2'] }), L('Maximum', {}, { inbound: ['input_1', 'input_2'] }), L('Minimum', {}, { inbound: ['input_1', 'input_2'] }),
      L('Concatenate', { axis: -1 }, { inbound: ['add', 'multiply', 'average', 'maximum', 'minimum'] }), L('Dense', { units: 3 }, { inbound: ['concatenate'] })],
    [['dense', 0, 0]], { covers: ['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate'] }),
  Fn('layers', 'merge_subtract', [{ shape: [4] }, { shape: [4] }], [L('Subtract', {}, { inbound: ['input_1', 'input_2'] }), L('Dense', { units: 2 }, { inbound: ['subtract'] })], [['dense', 0, 0]], { covers: ['Subtract'] }),
  S('layers', 'conv1d_valid_strides', [9, 3], [L('Conv1D', { filters: 4, kernel_size: [3], strides: [2], padding: 'valid', dilation_rate: [1], activation: 'relu' })], { covers: ['Conv1D valid strides=2'] }),
  S('layers', 'conv1d_same_maxpool', [8, 3], [L('Conv1D', { filters: 4, kernel_size: [3], strides: [1], padding: 'same', dilation_rate: [1] }), L('MaxPooling1D', { pool_size: [2], strides: [2], padding: 'valid' })], { covers: ['Conv1D same', 'MaxPooling1D'] }),
  S('layers', 'conv1d_same_strides_even', [8, 2], [L('Conv1D', { filters: 3, kernel_size: [4], strides: [3], padding: 'same', dilation_rate: [1] })], { covers: ['Conv1D same with strides and even kernel (asymmetric padding)'] }),
  S('layers', 'conv1d_causal_dilation_avgpool', [10, 3], [L('Conv1D', { filters: 4, kernel_size: [2], strides: [1], padding: 'causal', dilation_rate: [2], activation: 'tanh' }), L('AveragePooling1D', { pool_size: [3], strides: [2], padding: 'valid' })], { covers: ['Conv1D causal dilation=2', 'AveragePooling1D'] }),
  Fn('layers', 'conv1d_global_pools', [{ shape: [7, 3] }],
    [L('Conv1D', { filters: 4, kernel_size: [3], strides: [1], padding: 'valid', dilation_rate: [1] }, { inbound: ['input_1'] }), L('GlobalMaxPooling1D', {}, { inbound: ['conv1d'] }), L('GlobalAveragePooling1D', {}, { inbound: ['conv1d'] }), L('Concatenate', { axis: -1 }, { inbound: ['global_max_pooling1d', 'global_average_pooling1d'] })],
    [['concatenate', 0, 0]], { covers: ['GlobalMaxPooling1D', 'GlobalAveragePooling1D'] }),
  S('layers', 'batch_normalization', [4, 3], [L('Dense', { units: 5 }), L('BatchNormalization', { epsilon: 0.001 }), L('LSTM', { units: 3 })], { covers: ['BatchNormalization (inference: moving statistics)'] }),
  S('layers', 'layer_normalization', [4, 3], [L('LSTM', { units: 5, return_sequences: true }), L('LayerNormalization', { epsilon: 0.001 }), L('Dense', { units: 2 })], { covers: ['LayerNormalization'] }),
];

// ---------------- activations ----------------
// Each activation as a Dense activation, an LSTM recurrent_activation and a SimpleRNN activation.
// unbounded gate functions make LSTM/SimpleRNN explode with larger weights
const GENTLE = ['exponential', 'linear', 'selu', 'log_softmax', 'elu', 'softplus', 'leaky_relu', 'relu', 'relu6', 'swish', 'silu', 'gelu', 'gelu_tanh', 'mish', 'hard_silu'];
const actCase = (a, style) => S('activations', `act_${a}${style === 'k3h5' ? '_keras3' : ''}`, [5, 3], [
  L('Dense', { units: 6, activation: a }),
  L('LSTM', { units: 4, return_sequences: true, recurrent_activation: a }),
  L('SimpleRNN', { units: 3, activation: a }),
], { style, scales: GENTLE.includes(a) ? { kernel: 0.5, recurrent: 0.4, bias: 0.2 } : { kernel: 1.6, recurrent: 1, bias: 0.6 }, covers: [`${a} as Dense activation, LSTM recurrent_activation, SimpleRNN activation`], ...(style === 'k3h5' ? { modelName: 'sequential' } : {}) });
for (const a of ['linear', 'relu', 'sigmoid', 'tanh', 'hard_sigmoid', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'exponential', 'swish', 'gelu']) CASES.push(actCase(a, 'tf2'));
for (const a of ['hard_sigmoid', 'log_softmax', 'silu', 'gelu_tanh', 'relu6', 'leaky_relu', 'mish', 'hard_silu']) CASES.push(actCase(a, 'k3h5'));

// ---------------- formats ----------------
CASES.push(
  S('formats', 'keras1_lstm', [5, 3], [L('LSTM', { units: 4, recurrent_activation: 'hard_sigmoid', return_sequences: true }, { name: 'lstm_1' }), L('LSTM', { units: 3, recurrent_activation: 'hard_sigmoid' }, { name: 'lstm_2' }), L('Dense', { units: 2 }, { name: 'dense_1' })], { style: 'k1', covers: ['Keras 1.2.2 .h5: LSTM 12 arrays i,c,f,o; Sequential config list'] }),
  S('formats', 'keras1_gru_simple_rnn', [5, 3], [L('GRU', { units: 4, recurrent_activation: 'hard_sigmoid', reset_after: false, return_sequences: true }, { name: 'gru_1' }), L('SimpleRNN', { units: 3 }, { name: 'simplernn_1' }), L('Dense', { units: 2, activation: 'sigmoid' }, { name: 'dense_1' })], { style: 'k1', covers: ['Keras 1.2.2 .h5: GRU 9 arrays z,r,h; SimpleRNN W,U,b'] }),
  S('formats', 'keras3_h5_lstm', [5, 3], [L('LSTM', { units: 4, return_sequences: true }), L('Dense', { units: 2 })], { style: 'k3h5', modelName: 'sequential', covers: ['Keras 3 legacy .h5 Sequential'] }),
  Fn('formats', 'keras3_h5_initial_state', [{ shape: [4, 2], name: 'decoder_input' }, { shape: [3], name: 'input_h' }, { shape: [3], name: 'input_c' }],
    [L('LSTM', { units: 3, return_sequences: true, return_state: true }, { name: 'decoder_lstm', inbound: ['decoder_input'], initialState: ['input_h', 'input_c'] }), L('TimeDistributed', {}, { name: 'decoder_output', inbound: ['decoder_lstm'], inner: L('Dense', { units: 2 }) })],
    [['decoder_output', 0, 0], ['decoder_lstm', 0, 1], ['decoder_lstm', 0, 2]], { style: 'k3h5', modelName: 'functional', covers: ['Keras 3 legacy .h5 Functional, __keras_tensor__ inbound_nodes, initial_state'] }),
  S('formats', 'keras3_h5_bidi_gru', [5, 3], [L('Bidirectional', { merge_mode: 'concat' }, { inner: L('GRU', { units: 3, reset_after: true, return_sequences: true }) }), L('Dense', { units: 1, activation: 'sigmoid' })], { style: 'k3h5', modelName: 'sequential', covers: ['Keras 3 legacy .h5 Bidirectional(GRU) with backward_layer config'] }),
  S('formats', 'keras3_zip_lstm', [5, 3], [L('LSTM', { units: 4 }), L('Dense', { units: 2 })], { style: 'k3zip', modelName: 'sequential', covers: ['Keras 3 .keras zip Sequential LSTM'] }),
  Fn('formats', 'keras3_zip_functional', [{ shape: [6], name: 'tokens', int: true, vocab: 8, masked: [[0, 5], [1, 4], [1, 5]] }],
    [L('Embedding', { input_dim: 8, output_dim: 3, mask_zero: true }, { inbound: ['tokens'] }), L('Bidirectional', { merge_mode: 'sum' }, { inbound: ['embedding'], inner: L('GRU', { units: 3, reset_after: true, return_sequences: true }) }), L('TimeDistributed', {}, { inbound: ['bidirectional'], inner: L('Dense', { units: 2 }) })],
    [['time_distributed', 0, 0]], { style: 'k3zip', modelName: 'functional', covers: ['Keras 3 .keras zip Functional: Embedding mask_zero, Bidirectional(GRU), TimeDistributed'] }),
  S('formats', 'weights_only_lstm', [5, 3], [L('LSTM', { units: 4 }), L('Dense', { units: 2 })], { style: 'tf2weights', covers: ['weights-only .h5 + model.to_json()'] }),
  Fn('formats', 'weights_only_functional_gru', [{ shape: [5, 3] }, { shape: [3] }],
    [L('GRU', { units: 3, reset_after: true }, { inbound: ['input_1'], initialState: ['input_2'] }), L('Dense', { units: 2 }, { inbound: ['gru'] })], [['dense', 0, 0]], { style: 'tf2weights', covers: ['weights-only .h5 + JSON, Functional'] }),
);
