using KerasPort.Model;
using KerasPort.Model.Layers;
using static KerasPort.Tests.Model.ModelTestKit;

namespace KerasPort.Tests.Model;

public class GraphTests
{
    // tf.keras list-format inbound nodes: the decoder's node lists [input, h, c]; h and c are initial_state.
    private const string Keras2Seq2Seq = """
    {"class_name": "Model", "config": {"name": "model_1", "layers": [
      {"class_name": "InputLayer", "config": {"batch_input_shape": [null, null, 3], "dtype": "float32", "name": "input_1"}, "name": "input_1", "inbound_nodes": []},
      {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 5, "return_state": true}, "name": "lstm_1", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
      {"class_name": "InputLayer", "config": {"batch_input_shape": [null, null, 2], "dtype": "float32", "name": "input_2"}, "name": "input_2", "inbound_nodes": []},
      {"class_name": "LSTM", "config": {"name": "lstm_2", "units": 5, "return_sequences": true}, "name": "lstm_2",
       "inbound_nodes": [[["input_2", 0, 0, {}], ["lstm_1", 0, 1, {}], ["lstm_1", 0, 2, {}]]]},
      {"class_name": "Dense", "config": {"name": "dense_1", "units": 2, "activation": "softmax"}, "name": "dense_1", "inbound_nodes": [[["lstm_2", 0, 0, {}]]]}],
      "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
    """;

    [Fact]
    public void Keras2_extra_node_tensors_are_initial_state()
    {
        var m = Load(Keras2Seq2Seq, "2.4.0", null);
        var dec = m.Graph.Calls.Single(c => c.Layer.Name == "lstm_2");
        var enc = m.Graph.Calls.Single(c => c.Layer.Name == "lstm_1");
        Assert.Single(dec.Inputs);
        Assert.Equal(2, dec.InitialState.Count);
        Assert.Equal(enc.Index, dec.InitialState[0].CallIndex);
        Assert.Equal(1, dec.InitialState[0].TensorIndex);
        Assert.Equal(2, dec.InitialState[1].TensorIndex);
        Assert.Equal(new int?[] { null, null, 2 }, m.Graph.Outputs[0].Shape);
        // Architecture only: no weights, parameters unknown (0 stored).
        Assert.False(m.HasWeights);
    }

    [Fact]
    public void Shared_layer_gets_one_call_per_node_and_node_indices_resolve()
    {
        const string cfg = """
        {"class_name": "Functional", "config": {"name": "shared", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "name": "a"}, "name": "a", "inbound_nodes": []},
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "name": "b"}, "name": "b", "inbound_nodes": []},
          {"class_name": "Dense", "config": {"name": "d", "units": 3}, "name": "d", "inbound_nodes": [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]},
          {"class_name": "Subtract", "config": {"name": "sub"}, "name": "sub", "inbound_nodes": [[["d", 1, 0, {}], ["d", 0, 0, {}]]]}],
          "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["sub", 0, 0]]}}
        """;
        var m = Load(cfg, "2.4.0", Legacy(("a", []), ("b", []), ("d", [Seq("d/kernel:0", [4, 3]), Seq("d/bias:0", [3])]), ("sub", [])));
        var calls = m.Graph.Calls.Where(c => c.Layer.Name == "d").ToList();
        Assert.Equal([0, 1], calls.Select(c => c.NodeIndex));
        var sub = m.Graph.Calls.Single(c => c.Layer.Name == "sub");
        Assert.Equal(calls[1].Index, sub.Inputs[0].CallIndex);
        Assert.Equal(calls[0].Index, sub.Inputs[1].CallIndex);
        Assert.Equal(4 * 3 + 3, m.TotalParameters);
    }

    [Fact]
    public void Nested_sequential_inside_functional_is_one_summary_row_and_flattened_calls()
    {
        const string cfg = """
        {"class_name": "Model", "config": {"name": "outer", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 6, 2], "dtype": "float32", "name": "x"}, "name": "x", "inbound_nodes": []},
          {"class_name": "Sequential", "config": {"name": "encoder", "layers": [
              {"class_name": "SimpleRNN", "config": {"name": "rnn", "units": 3, "batch_input_shape": [null, 6, 2]}},
              {"class_name": "Dense", "config": {"name": "proj", "units": 2}}]},
           "name": "encoder", "inbound_nodes": [[["x", 0, 0, {}]]]},
          {"class_name": "Dense", "config": {"name": "head", "units": 1}, "name": "head", "inbound_nodes": [[["encoder", 0, 0, {}]]]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["head", 0, 0]]}}
        """;
        // Nested model legacy weights: all trainable weights of its layers, in layer order, under the nested model's group.
        var nested = new[] { Seq("rnn/kernel:0", [2, 3]), Seq("rnn/recurrent_kernel:0", [3, 3]), Seq("rnn/bias:0", [3]), Seq("proj/kernel:0", [3, 2], 50), Seq("proj/bias:0", [2], 60) };
        var m = Load(cfg, "2.3.1", Legacy(("x", []), ("encoder", nested), ("head", [Seq("head/kernel:0", [2, 1]), Seq("head/bias:0", [1])])));
        Assert.Equal(["x", "encoder", "head"], m.Layers.Select(l => l.Name));
        var enc = Assert.IsType<ModelLayer>(m.Layers[1]);
        Assert.Equal((2 * 3 + 3 * 3 + 3) + (3 * 2 + 2), enc.ParameterCount);
        Assert.Equal(new int?[] { null, 2 }, enc.OutputShapes[0]);
        Assert.Equal(["x", "encoder/rnn", "encoder/proj", "head"], m.Graph.Calls.Select(c => c.Path));
        Assert.Equal(50, ((DenseLayer)m.GetLayer("encoder/proj")).Kernel!.Data[0]);
        Assert.Contains("encoder (Sequential)", m.Summary());
    }

    [Fact]
    public void Masking_and_embedding_mask_zero_are_recorded_as_mask_producers()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Embedding", "config": {"name": "emb", "input_dim": 10, "output_dim": 4, "mask_zero": true, "batch_input_shape": [null, 7]}},
          {"class_name": "LSTM", "config": {"name": "lstm", "units": 2}}]}}
        """;
        var m = Load(cfg, "2.2.4", Legacy(("emb", [Seq("emb/embeddings:0", [10, 4])]),
            ("lstm", [Seq("lstm/kernel:0", [4, 8]), Seq("lstm/recurrent_kernel:0", [2, 8]), Seq("lstm/bias:0", [8])])));
        Assert.Equal("emb", Assert.Single(m.Graph.MaskProducers).Layer.Name);
        Assert.Equal(10 * 4 + 4 * (4 * 2 + 2 * 2 + 2), m.TotalParameters);
    }

    [Fact]
    public void Dangling_reference_is_a_corrupt_model_error()
    {
        const string cfg = """
        {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "a"}, "name": "a", "inbound_nodes": []},
          {"class_name": "Dense", "config": {"name": "d", "units": 3}, "name": "d", "inbound_nodes": [[["nowhere", 0, 0, {}]]]}],
          "input_layers": [["a", 0, 0]], "output_layers": [["d", 0, 0]]}}
        """;
        var e = Assert.Throws<CorruptModelFileException>(() => Load(cfg, "2.4.0", null));
        Assert.Contains("nowhere", e.Message);
    }

    [Fact]
    public void BatchNormalization_counts_moving_statistics_as_non_trainable()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Conv1D", "config": {"name": "conv", "filters": 4, "kernel_size": [3], "strides": [1], "padding": "valid", "batch_input_shape": [null, 10, 2]}},
          {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": -1, "epsilon": 0.001}},
          {"class_name": "GlobalAveragePooling1D", "config": {"name": "gap"}}]}}
        """;
        var m = Load(cfg, "2.2.4", Legacy(
            ("conv", [Seq("conv/kernel:0", [3, 2, 4]), Seq("conv/bias:0", [4])]),
            ("bn", [Seq("bn/gamma:0", [4]), Seq("bn/beta:0", [4]), Seq("bn/moving_mean:0", [4]), Seq("bn/moving_variance:0", [4])]),
            ("gap", [])));
        Assert.Equal(new int?[] { null, 8, 4 }, m.GetLayer("conv").OutputShapes[0]);
        Assert.Equal(3 * 2 * 4 + 4 + 4 * 4, m.TotalParameters);
        Assert.Equal(8, m.NonTrainableParameters);
        Assert.Equal(new int?[] { null, 4 }, m.Graph.Outputs[0].Shape);
        Assert.Contains("Non-trainable params: 8", m.Summary());
    }
}

public class Conv1DWeightsTests
{
    [Fact]
    public void Keras1_theano_conv1d_kernel_is_reshaped_and_flipped()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": [
          {"class_name": "Convolution1D", "config": {"name": "c", "nb_filter": 2, "filter_length": 3, "border_mode": "same", "subsample_length": 1,
            "activation": "relu", "bias": true, "batch_input_shape": [null, 8, 4]}}]}
        """;
        // Keras 1 layout (filter_length, 1, input_dim, nb_filter): value = t*100 + c*10 + f.
        var data = new double[3 * 4 * 2];
        for (int t = 0; t < 3; t++)
            for (int c = 0; c < 4; c++)
                for (int f = 0; f < 2; f++)
                    data[(t * 4 + c) * 2 + f] = t * 100 + c * 10 + f;
        var m = ModelTestKit.Load(cfg, "1.2.2", ModelTestKit.Legacy(("c", [new WeightTensor("c_W", [3, 1, 4, 2], data), ModelTestKit.Seq("c_b", [2])])), backend: "theano");
        var conv = Assert.IsType<KerasPort.Model.Layers.Conv1DLayer>(m.Layers[0]);
        Assert.Equal(new[] { 3, 4, 2 }, conv.Kernel!.Shape);
        // Theano kernels are flipped along the window axis: TF kernel[t] = stored[2 - t].
        for (int t = 0; t < 3; t++)
            for (int c = 0; c < 4; c++)
                for (int f = 0; f < 2; f++)
                    Assert.Equal((2 - t) * 100 + c * 10 + f, conv.Kernel.Data[(t * 4 + c) * 2 + f]);
        Assert.Equal(new int?[] { null, 8, 2 }, conv.OutputShapes[0]);
        Assert.Equal(3 * 4 * 2 + 2, m.TotalParameters);
    }
}
