using KerasPort.Model;
using KerasPort.Compute;
using KerasPort.Model.Config;
using KerasPort.Model.Layers;
using static KerasPort.Tests.Model.ModelTestKit;

namespace KerasPort.Tests.Model;

public class Keras1ConfigTests
{
    // A Keras 1.2.2 Sequential (config is a list), as model.to_json() wrote it.
    private const string Keras1Lstm = """
    {"class_name": "Sequential", "config": [
      {"class_name": "LSTM", "config": {"name": "lstm_1", "output_dim": 3, "inner_activation": "hard_sigmoid", "activation": "tanh",
        "consume_less": "mem", "init": "glorot_uniform", "inner_init": "orthogonal", "forget_bias_init": "one",
        "W_regularizer": null, "U_regularizer": null, "b_regularizer": null, "dropout_W": 0.5, "dropout_U": 0.0,
        "return_sequences": false, "go_backwards": false, "stateful": false, "unroll": false,
        "input_dim": 2, "input_length": 5, "batch_input_shape": [null, 5, 2], "input_dtype": "float32", "trainable": true}},
      {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 1, "init": "glorot_uniform", "activation": "linear",
        "W_regularizer": null, "b_regularizer": null, "bias": true, "input_dim": 3, "trainable": true}}]}
    """;

    private static WeightTensor[] Keras1LstmArrays(int inDim, int u, string prefix = "lstm_1")
    {
        // Stored in weight_names order i, c, f, o; every value distinct: gate g, kind k (W/U/b) starts at g*1000 + k*100.
        var list = new List<WeightTensor>();
        string[] order = ["i", "c", "f", "o"];
        foreach (var g in order)
        {
            double baseV = Array.IndexOf(new[] { "i", "f", "c", "o" }, g) * 1000;
            list.Add(Seq($"{prefix}_W_{g}:0", [inDim, u], baseV));
            list.Add(Seq($"{prefix}_U_{g}:0", [u, u], baseV + 100));
            list.Add(Seq($"{prefix}_b_{g}:0", [u], baseV + 200));
        }
        return list.ToArray();
    }

    [Fact]
    public void Keras1_lstm_options_are_renamed_to_keras2_names()
    {
        var m = Load(Keras1Lstm, "1.2.2", null);
        Assert.Equal(KerasGeneration.Keras1, m.Generation);
        var lstm = Assert.IsType<RecurrentLayer>(m.Layers[0]);
        var cell = Assert.IsType<LstmCell>(lstm.Cell);
        Assert.Equal(3, cell.Units);
        Assert.Equal(ActivationKind.HardSigmoid, cell.RecurrentActivation.Kind);
        Assert.Equal(ActivationKind.Tanh, cell.Activation.Kind);
        Assert.Equal(1, cell.Implementation); // consume_less 'mem' → implementation 1
        Assert.Equal(0.5, cell.Dropout);
        Assert.True(cell.UnitForgetBias);
        var dense = Assert.IsType<DenseLayer>(m.Layers[1]);
        Assert.Equal(1, dense.Units);
        Assert.True(dense.UseBias);
        // Input synthesized from batch_input_shape, named like Keras does: <first layer>_input.
        var input = Assert.Single(m.Graph.Inputs);
        Assert.Equal("lstm_1_input", input.Name);
        Assert.Equal(new int?[] { null, 5, 2 }, input.Shape);
        Assert.Equal(new int?[] { null, 1 }, m.Graph.Outputs[0].Shape);
    }

    [Fact]
    public void Keras1_lstm_twelve_arrays_are_fused_by_name_in_order_i_f_c_o()
    {
        int inDim = 2, u = 3;
        var arrays = Keras1LstmArrays(inDim, u);
        var weights = Legacy(("lstm_1", arrays), ("dense_1", [Seq("dense_1_W:0", [3, 1]), Seq("dense_1_b:0", [1])]));
        var m = Load(Keras1Lstm, "1.2.2", weights);
        var cell = ((RecurrentLayer)m.Layers[0]).Cell!;
        string[] fused = ["i", "f", "c", "o"];
        var byName = arrays.ToDictionary(a => a.ShortName);
        for (int g = 0; g < 4; g++)
        {
            var w = byName[$"lstm_1_W_{fused[g]}"];
            var uu = byName[$"lstm_1_U_{fused[g]}"];
            var b = byName[$"lstm_1_b_{fused[g]}"];
            for (int r = 0; r < inDim; r++)
                for (int j = 0; j < u; j++)
                    Assert.Equal(w.Data[r * u + j], cell.Kernel!.Data[r * 4 * u + g * u + j]);
            for (int r = 0; r < u; r++)
                for (int j = 0; j < u; j++)
                    Assert.Equal(uu.Data[r * u + j], cell.RecurrentKernel!.Data[r * 4 * u + g * u + j]);
            for (int j = 0; j < u; j++)
                Assert.Equal(b.Data[j], cell.Bias!.Data[g * u + j]);
        }
        Assert.Equal(new[] { inDim, 4 * u }, cell.Kernel!.Shape);
        // Parameter count = 4·(in·u + u·u + u) = 4·(6 + 9 + 3) = 72, Dense 3·1 + 1 = 4.
        Assert.Equal(72, m.Layers[0].ParameterCount);
        Assert.Equal(76, m.TotalParameters);
        // Stored weights keep the file's order (i, c, f, o).
        Assert.Equal("lstm_1_W_i:0", m.Layers[0].Weights[0].Name);
        Assert.Equal("lstm_1_W_c:0", m.Layers[0].Weights[3].Name);
        // The gate view maps onto the same arrays.
        var gates = m.GetGates("lstm_1")[0].Gates;
        Assert.Equal(byName["lstm_1_W_c"].Data, gates[2].Kernel.Data);
        Assert.Equal(byName["lstm_1_U_f"].Data, gates[1].RecurrentKernel.Data);
    }

    [Fact]
    public void Keras1_lstm_arrays_in_shuffled_storage_order_still_fuse_by_name()
    {
        var arrays = Keras1LstmArrays(2, 3).Reverse().ToArray();
        var weights = Legacy(("lstm_1", arrays), ("dense_1", [Seq("dense_1_W:0", [3, 1]), Seq("dense_1_b:0", [1])]));
        var cell = ((RecurrentLayer)Load(Keras1Lstm, "1.2.2", weights).Layers[0]).Cell!;
        // f gate block of the fused kernel starts with W_f[0,0] = 1000 (see Keras1LstmArrays).
        Assert.Equal(1000, cell.Kernel!.Data[3]);
        Assert.Equal(0, cell.Kernel.Data[0]);
    }

    [Fact]
    public void Keras1_gru_nine_arrays_are_fused_in_order_z_r_h()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": [
          {"class_name": "GRU", "config": {"name": "gru_1", "output_dim": 2, "inner_activation": "hard_sigmoid", "activation": "tanh",
            "batch_input_shape": [null, 4, 3], "return_sequences": true}}]}
        """;
        var arrays = new List<WeightTensor>();
        string[] gates = ["z", "r", "h"];
        for (int g = 0; g < 3; g++)
        {
            arrays.Add(Seq($"gru_1_W_{gates[g]}", [3, 2], g * 100));
            arrays.Add(Seq($"gru_1_U_{gates[g]}", [2, 2], g * 100 + 50));
            arrays.Add(Seq($"gru_1_b_{gates[g]}", [2], g * 100 + 80));
        }
        var m = Load(cfg, null, Legacy(("gru_1", arrays.ToArray())), backend: null);
        Assert.Equal(KerasGeneration.Keras1, m.Generation); // no version: decided from the config's Keras 1 keys
        var cell = Assert.IsType<GruCell>(((RecurrentLayer)m.Layers[0]).Cell);
        Assert.False(cell.ResetAfter);
        // Row 1 of the fused kernel: W_z[1,:], W_r[1,:], W_h[1,:] = 2,3, 102,103, 202,203.
        Assert.Equal(new double[] { 2, 3, 102, 103, 202, 203 }, cell.Kernel!.Data.Skip(6).Take(6).ToArray());
        Assert.Equal(new double[] { 80, 81, 180, 181, 280, 281 }, cell.Bias!.Data);
        Assert.Equal(3 * (3 * 2 + 2 * 2 + 2), m.TotalParameters);
    }

    [Fact]
    public void Keras1_functional_merge_concat_and_embedding_dropout()
    {
        const string cfg = """
        {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "input_dtype": "float32", "sparse": false, "name": "a"}, "inbound_nodes": [], "name": "a"},
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 6], "input_dtype": "float32", "sparse": false, "name": "b"}, "inbound_nodes": [], "name": "b"},
          {"class_name": "Dropout", "config": {"p": 0.2, "name": "dropout_1"}, "inbound_nodes": [[["a", 0, 0]]], "name": "dropout_1"},
          {"class_name": "Merge", "config": {"name": "merge_1", "mode": "concat", "concat_axis": -1, "mode_type": "raw"}, "inbound_nodes": [[["dropout_1", 0, 0], ["b", 0, 0]]], "name": "merge_1"},
          {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 2, "activation": "softmax", "bias": false}, "inbound_nodes": [[["merge_1", 0, 0]]], "name": "dense_1"}],
          "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
        """;
        var m = Load(cfg, "1.1.2", Legacy(("a", []), ("b", []), ("dropout_1", []), ("merge_1", []), ("dense_1", [Seq("dense_1_W", [10, 2])])));
        var merge = Assert.IsType<ConcatenateLayer>(m.GetLayer("merge_1"));
        Assert.Equal(-1, merge.Axis);
        Assert.Equal(new int?[] { null, 10 }, merge.OutputShapes[0]);
        Assert.Equal(0.2, Assert.IsType<InferenceIdentityLayer>(m.GetLayer("dropout_1")).Rate);
        Assert.False(((DenseLayer)m.GetLayer("dense_1")).UseBias);
        Assert.Equal(20, m.TotalParameters);
        Assert.Equal(["a", "b"], m.Graph.Inputs.Select(i => i.Name));
    }
}
