using KerasPort.Model;
using KerasPort.Compute;
using KerasPort.Formats;
using KerasPort.Model.Config;
using KerasPort.Model.Layers;
using static KerasPort.Tests.Model.ModelTestKit;

namespace KerasPort.Tests.Model;

public class Keras3ModelTests
{
    private const string Policy = """{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}""";

    private static string Gru(string name, int units, string extra = "") => $$$"""
        {"module": "keras.layers", "class_name": "GRU", "config": {"name": "{{{name}}}", "dtype": {{{Policy}}}, "units": {{{units}}},
          "activation": "tanh", "recurrent_activation": "hard_sigmoid", "reset_after": true, "return_sequences": true {{{extra}}}}, "registered_name": null}
        """;

    private static readonly string TwoGrus = $$$"""
        {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "dtype": {{{Policy}}}, "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 6, 2], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
          {{{Gru("gru_2", 3)}}},
          {{{Gru("gru_3", 4)}}},
          {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "dtype": {{{Policy}}}, "units": 1, "activation": {"module": "keras.activations", "class_name": "function", "config": "sigmoid", "registered_name": "function"}, "use_bias": true}, "registered_name": null}
        ]}, "registered_name": null}
        """;

    private static V3WeightGroup GruGroup(string auto, int inDim, int u, double start) =>
        G(auto, G("cell", Seq("0", [inDim, 3 * u], start), Seq("1", [u, 3 * u], start + 100), Seq("2", [2, 3 * u], start + 200)), G("vars"));

    [Fact]
    public void V3_weights_bind_by_layer_order_and_class_not_by_name()
    {
        var set = V3(GruGroup("gru", 2, 3, 0), GruGroup("gru_1", 3, 4, 1000), G("dense", Seq("0", [4, 1]), Seq("1", [1])));
        var m = Load(TwoGrus, "3.8.0", set, backend: "jax", format: ModelFileFormat.KerasArchive);
        Assert.Equal(KerasGeneration.Keras3, m.Generation);
        var first = (GruCell)((RecurrentLayer)m.GetLayer("gru_2")).Cell!;
        var second = (GruCell)((RecurrentLayer)m.GetLayer("gru_3")).Cell!;
        Assert.Equal(0, first.Kernel!.Data[0]);
        Assert.Equal(1000, second.Kernel!.Data[0]);
        // Keras 3 hard_sigmoid is relu6(x + 3) / 6.
        Assert.Equal(ActivationKind.HardSigmoidKeras3, first.RecurrentActivation.Kind);
        Assert.Equal(ActivationKind.Sigmoid, ((DenseLayer)m.GetLayer("dense_1")).Activation.Kind);
        Assert.Equal("float32", m.GetLayer("gru_2").DType);
        long expected = 3 * (2 * 3 + 3 * 3 + 2 * 3) + 3 * (3 * 4 + 4 * 4 + 2 * 4) + (4 + 1);
        Assert.Equal(expected, m.TotalParameters);
        Assert.Equal(3, m.Layers.Count); // Sequential.layers omits the InputLayer
    }

    [Fact]
    public void V3_group_with_wrong_shape_or_leftover_vars_is_refused()
    {
        var wrong = V3(GruGroup("gru", 2, 3, 0), GruGroup("gru_1", 2, 4, 0), G("dense", Seq("0", [4, 1]), Seq("1", [1])));
        var e = Assert.Throws<ShapeMismatchException>(() => Load(TwoGrus, "3.8.0", wrong));
        Assert.Contains("gru_3", e.Message);
        Assert.Contains("layers/gru_1/cell", e.Message);
        var leftover = V3(GruGroup("gru", 2, 3, 0), GruGroup("gru_1", 3, 4, 0), G("dense", Seq("0", [4, 1]), Seq("1", [1])), G("dense_1", Seq("0", [1])));
        Assert.Throws<CorruptModelFileException>(() => Load(TwoGrus, "3.8.0", leftover));
        var missing = V3(GruGroup("gru", 2, 3, 0), G("dense", Seq("0", [4, 1]), Seq("1", [1])));
        Assert.Throws<MissingWeightsException>(() => Load(TwoGrus, "3.8.0", missing));
    }

    private static readonly string Seq2Seq = $$$"""
        {"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "functional_1", "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 7, 1], "dtype": "float32", "name": "enc_in"}, "registered_name": null, "name": "enc_in", "inbound_nodes": []},
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5, 1], "dtype": "float32", "name": "dec_in"}, "registered_name": null, "name": "dec_in", "inbound_nodes": []},
          {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "enc", "dtype": {{{Policy}}}, "units": 4, "return_state": true, "return_sequences": false}, "registered_name": null, "name": "enc",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 7, 1], "dtype": "float32", "keras_history": ["enc_in", 0, 0]}}], "kwargs": {"training": false, "mask": null}}]},
          {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "dec", "dtype": {{{Policy}}}, "units": 4, "return_sequences": true}, "registered_name": null, "name": "dec",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 5, 1], "dtype": "float32", "keras_history": ["dec_in", 0, 0]}}],
             "kwargs": {"initial_state": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["enc", 0, 1]}},
                                          {"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["enc", 0, 2]}}], "training": false}}]},
          {"module": "keras.layers", "class_name": "TimeDistributed", "config": {"name": "td", "dtype": {{{Policy}}},
             "layer": {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "dtype": {{{Policy}}}, "units": 2, "activation": "linear", "use_bias": true}, "registered_name": null}},
           "registered_name": null, "name": "td",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 5, 4], "dtype": "float32", "keras_history": ["dec", 0, 0]}}], "kwargs": {"mask": null}}]}],
          "input_layers": [["enc_in", 0, 0], ["dec_in", 0, 0]], "output_layers": [["td", 0, 0], ["enc", 0, 2]]}, "registered_name": "Functional"}
        """;

    private static V3WeightGroup LstmGroup(string auto, int inDim, int u) =>
        G(auto, G("cell", Seq("0", [inDim, 4 * u]), Seq("1", [u, 4 * u]), Seq("2", [4 * u])), G("vars"));

    [Fact]
    public void Functional_keras3_initial_state_and_return_state_outputs()
    {
        var set = V3(G("input_layer", G("vars")), G("input_layer_1", G("vars")), LstmGroup("lstm", 1, 4), LstmGroup("lstm_1", 1, 4),
            G("time_distributed", G("layer", Seq("0", [4, 2]), Seq("1", [2])), G("vars")));
        var m = Load(Seq2Seq, "3.8.0", set, format: ModelFileFormat.KerasArchive);
        var g = m.Graph;
        Assert.Equal(["enc_in", "dec_in"], g.Inputs.Select(i => i.Name));
        var dec = g.Calls.Single(c => c.Layer.Name == "dec");
        var enc = g.Calls.Single(c => c.Layer.Name == "enc");
        Assert.True(enc.Index < dec.Index);
        Assert.Equal(new KerasPort.Model.Graph.TensorRef[] { new(enc.Index, 1), new(enc.Index, 2) }, dec.InitialState);
        Assert.Single(dec.Inputs);
        Assert.Equal(3, enc.OutputShapes.Count); // output, h, c
        Assert.Equal(2, g.Outputs.Count);
        Assert.Equal(new int?[] { null, 5, 2 }, g.Outputs[0].Shape);
        Assert.Equal(("enc", 0, 2), (g.Outputs[1].LayerName, g.Outputs[1].NodeIndex, g.Outputs[1].TensorIndex));
        Assert.Equal(new KerasPort.Model.Graph.TensorRef(enc.Index, 2), g.Outputs[1].Tensor);
        Assert.Equal(2 * 4 * (1 * 4 + 4 * 4 + 4) + (4 * 2 + 2), m.TotalParameters);
    }

    [Fact]
    public void Bidirectional_v3_uses_forward_and_backward_groups_and_ignores_the_template()
    {
        var cfg = $$$"""
        {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5, 2], "dtype": "float32", "name": "input_layer"}, "registered_name": null},
          {"module": "keras.layers", "class_name": "Bidirectional", "config": {"name": "bidirectional", "merge_mode": "sum",
            "layer": {"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "simple_rnn", "units": 3, "go_backwards": false}, "registered_name": null},
            "backward_layer": {"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "backward_simple_rnn", "units": 3, "go_backwards": true}, "registered_name": null}},
           "registered_name": null}]}, "registered_name": null}
        """;
        V3WeightGroup Rnn(string name, double s) => G(name, G("cell", Seq("0", [2, 3], s), Seq("1", [3, 3], s), Seq("2", [3], s)), G("vars"));
        var set = V3(G("bidirectional", Rnn("forward_layer", 0), Rnn("backward_layer", 500), G("layer", G("cell", G("vars")), G("vars")), G("vars")));
        var m = Load(cfg, "3.9.2", set);
        var bi = Assert.IsType<BidirectionalLayer>(m.Layers[0]);
        Assert.Equal(BidirectionalMergeMode.Sum, bi.MergeMode);
        Assert.Equal(500, bi.Backward.Cell!.Kernel!.Data[0]);
        Assert.Equal(new int?[] { null, 3 }, bi.OutputShapes[0]);
        Assert.Equal(2 * (2 * 3 + 3 * 3 + 3), m.TotalParameters);
        var gates = m.GetGates("bidirectional");
        Assert.Equal(2, gates.Count);
        Assert.Equal("", gates[0].Gates.Single().Gate);
    }

    [Fact]
    public void Unknown_version_with_keras3_style_config_means_keras3_hard_sigmoid()
    {
        var m = Load(TwoGrus, null, null);
        Assert.Equal(KerasGeneration.Keras3, m.Generation);
        Assert.Equal(ActivationKind.HardSigmoidKeras3, ((GruCell)((RecurrentLayer)m.Layers[0]).Cell!).RecurrentActivation.Kind);
    }

    [Fact]
    public void Tf_keras_2_15_archive_config_is_keras2()
    {
        Assert.Equal(KerasGeneration.Keras2, KerasGenerationDetector.FromStyle(Newtonsoft.Json.Linq.JObject.Parse(
            """{"module": "keras.src.engine.functional", "class_name": "Functional", "config": {}}""")));
        Assert.Equal(KerasGeneration.Keras2, KerasGenerationDetector.Detect("2.15.0", null));
        Assert.Equal(KerasGeneration.Keras1, KerasGenerationDetector.Detect("1.2.2", null));
    }

    [Fact]
    public void Nested_sequential_v3_weights_sit_under_layers_auto_layers()
    {
        var cfg = $$$"""
        {"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "outer", "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "dtype": "float32", "name": "x"}, "registered_name": null, "name": "x", "inbound_nodes": []},
          {"module": "keras", "class_name": "Sequential", "config": {"name": "inner", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "dtype": "float32", "name": "inner_in"}, "registered_name": null},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d1", "units": 2}, "registered_name": null}]},
           "registered_name": null, "name": "inner",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["x", 0, 0]}}], "kwargs": {}}]},
          {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d2", "units": 1}, "registered_name": null, "name": "d2",
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 2], "dtype": "float32", "keras_history": ["inner", 0, 0]}}], "kwargs": {}}]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["d2", 0, 0]]}, "registered_name": "Functional"}
        """;
        var set = V3(G("input_layer", G("vars")), G("sequential", G("layers", G("dense", Seq("0", [3, 2], 40), Seq("1", [2]))), G("vars")),
            G("dense", Seq("0", [2, 1]), Seq("1", [1])));
        var m = Load(cfg, "3.8.0", set);
        Assert.Equal(40, ((DenseLayer)m.GetLayer("inner/d1")).Kernel!.Data[0]);
        Assert.Equal((3 * 2 + 2) + (2 + 1), m.TotalParameters);
        Assert.Equal(["x", "inner/d1", "d2"], m.Graph.Calls.Select(c => c.Path));
    }
}
