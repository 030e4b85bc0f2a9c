using KerasPort.Model;
using static KerasPort.Tests.Model.ModelTestKit;

namespace KerasPort.Tests.Model;

public class PreflightTests
{
    [Fact]
    public void Every_unsupported_layer_and_option_is_listed_in_one_exception()
    {
        const string cfg = """
        {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5, 3], "name": "a"}, "name": "a", "inbound_nodes": []},
          {"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAAA=", null, null], "function_type": "lambda"}, "name": "lam", "inbound_nodes": [[["a", 0, 0, {}]]]},
          {"class_name": "GRU", "config": {"name": "gru", "units": 2, "time_major": true}, "name": "gru", "inbound_nodes": [[["lam", 0, 0, {}]]]},
          {"class_name": "ConvLSTM2D", "config": {"name": "clstm", "filters": 2}, "name": "clstm", "inbound_nodes": [[["a", 0, 0, {}]]]},
          {"class_name": "Conv1D", "config": {"name": "conv", "filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "name": "conv", "inbound_nodes": [[["a", 0, 0, {}]]]}],
          "input_layers": [["a", 0, 0]], "output_layers": [["gru", 0, 0]]}}
        """;
        var e = Assert.Throws<UnsupportedModelException>(() => Load(cfg, "2.4.0", null));
        Assert.Equal("unsupported", e.KindName);
        Assert.Equal(4, e.Features.Count);
        Assert.Contains(e.Features, f => f.ClassName == "Lambda" && f.LayerName == "lam" && f.Reason.Contains("never executes"));
        Assert.Contains(e.Features, f => f.LayerName == "gru" && f.Option == "time_major");
        Assert.Contains(e.Features, f => f.ClassName == "ConvLSTM2D" && f.Option is null);
        Assert.Contains(e.Features, f => f.LayerName == "conv" && f.Option == "dilation_rate");
    }

    [Fact]
    public void Custom_rnn_cell_is_refused_by_name()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"module": "keras.layers", "class_name": "RNN", "config": {"name": "rnn", "batch_input_shape": [null, 4, 2],
            "cell": {"module": null, "class_name": "MinimalRNNCell", "config": {"units": 3, "name": "minimal_rnn_cell"}, "registered_name": "MinimalRNNCell>MinimalRNNCell"}}, "registered_name": null}]}}
        """;
        var e = Assert.Throws<UnsupportedModelException>(() => Load(cfg, "3.8.0", null));
        Assert.Contains("MinimalRNNCell", Assert.Single(e.Features).Reason);
    }

    [Fact]
    public void Rnn_with_builtin_and_stacked_cells_behaves_as_the_matching_layers()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "RNN", "config": {"name": "rnn", "return_sequences": false, "batch_input_shape": [null, 4, 2],
            "cell": {"class_name": "StackedRNNCells", "config": {"cells": [
              {"class_name": "LSTMCell", "config": {"name": "lstm_cell", "units": 3}},
              {"class_name": "GRUCell", "config": {"name": "gru_cell", "units": 5, "reset_after": false}}]}}}}]}}
        """;
        var weights = Legacy(("rnn", [
            Seq("rnn/lstm_cell/kernel:0", [2, 12]), Seq("rnn/lstm_cell/recurrent_kernel:0", [3, 12]), Seq("rnn/lstm_cell/bias:0", [12]),
            Seq("rnn/gru_cell/kernel:0", [3, 15], 7), Seq("rnn/gru_cell/recurrent_kernel:0", [5, 15]), Seq("rnn/gru_cell/bias:0", [15])]));
        var m = Load(cfg, "2.2.4", weights);
        var rnn = Assert.IsType<KerasPort.Model.Layers.RecurrentLayer>(m.Layers[0]);
        Assert.True(rnn.IsStacked);
        Assert.Equal([3, 3, 5], rnn.StateSizes);
        Assert.Equal(7, rnn.Cells[1].Kernel!.Data[0]);
        Assert.Equal(new int?[] { null, 5 }, rnn.OutputShapes[0]);
        Assert.Equal(4 * (2 * 3 + 9 + 3) + 3 * (3 * 5 + 25 + 5), m.TotalParameters);
    }

    [Fact]
    public void Weights_only_content_without_config_asks_for_the_architecture()
    {
        var e = Assert.Throws<InvalidModelArgumentException>(() => KerasPort.Model.ModelLoader.Build(new KerasPort.Formats.KerasFileContent
        {
            Path = "w.weights.h5",
            Format = KerasPort.Formats.ModelFileFormat.KerasV3Weights,
            Weights = V3(),
        }, null));
        Assert.Contains("config", e.Message);
    }
}
