using KerasPort.Model;
using KerasPort.Compute;
using KerasPort.Model.Layers;
using static KerasPort.Tests.Model.ModelTestKit;

namespace KerasPort.Tests.Model;

public class RecurrentWeightsTests
{
    private static string Seq1(string layerJson, string inputShape) => $$$"""
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": {{{inputShape}}}, "dtype": "float32", "name": "in"}},
          {{{layerJson}}}]}}
        """;

    [Fact]
    public void Lstm_gate_split_matches_fused_columns_and_parameter_formula()
    {
        int inDim = 3, u = 2;
        var cfg = Seq1("""{"class_name": "LSTM", "config": {"name": "lstm", "units": 2, "recurrent_activation": "hard_sigmoid"}}""", "[null, 7, 3]");
        var k = Seq("lstm/kernel:0", [inDim, 4 * u]);
        var r = Seq("lstm/recurrent_kernel:0", [u, 4 * u], 100);
        var b = Seq("lstm/bias:0", [4 * u], 200);
        var m = Load(cfg, "2.2.4", Legacy(("lstm", [k, r, b])));
        Assert.Equal(4 * (inDim * u + u * u + u), m.TotalParameters);
        var gates = Assert.Single(m.GetGates("lstm"));
        Assert.Equal(["i", "f", "c", "o"], gates.Gates.Select(g => g.Gate));
        for (int g = 0; g < 4; g++)
        {
            var gw = gates.Gates[g];
            for (int row = 0; row < inDim; row++)
                for (int j = 0; j < u; j++)
                    Assert.Equal(row * 4 * u + g * u + j, gw.Kernel.Data[row * u + j]);
            for (int row = 0; row < u; row++)
                for (int j = 0; j < u; j++)
                    Assert.Equal(100 + row * 4 * u + g * u + j, gw.RecurrentKernel.Data[row * u + j]);
            Assert.Equal(new double[] { 200 + g * u, 200 + g * u + 1 }, gw.Bias!.Data);
            Assert.Null(gw.RecurrentBias);
            Assert.Equal("W_" + gw.Gate, gw.Kernel.Name);
        }
        // Keras 2.2.4: hard_sigmoid is clip(0.2x + 0.5, 0, 1).
        Assert.Equal(ActivationKind.HardSigmoid, ((LstmCell)((RecurrentLayer)m.Layers[0]).Cell!).RecurrentActivation.Kind);
        Assert.Equal(new int?[] { null, 2 }, m.Layers[0].OutputShapes[0]);
    }

    [Fact]
    public void Gru_reset_after_exposes_input_and_recurrent_biases()
    {
        int inDim = 2, u = 3;
        var cfg = Seq1("""{"class_name": "GRU", "config": {"name": "gru_1", "units": 3, "reset_after": true, "return_state": false}}""", "[null, null, 2]");
        var bias = Seq("gru_1/gru_1/gru_cell/bias:0", [2, 3 * u], 500);
        var m = Load(cfg, "2.15.0", Legacy(("gru_1", [Seq("gru_1/gru_1/gru_cell/kernel:0", [inDim, 3 * u]), Seq("gru_1/gru_1/gru_cell/recurrent_kernel:0", [u, 3 * u], 100), bias])));
        Assert.Equal(3 * (inDim * u + u * u + 2 * u), m.TotalParameters);
        var gates = m.GetGates("gru_1")[0].Gates;
        Assert.Equal(["z", "r", "h"], gates.Select(g => g.Gate));
        // bias[0, g*u + j] is the input bias, bias[1, g*u + j] the recurrent one.
        for (int g = 0; g < 3; g++)
            for (int j = 0; j < u; j++)
            {
                Assert.Equal(500 + g * u + j, gates[g].Bias!.Data[j]);
                Assert.Equal(500 + 3 * u + g * u + j, gates[g].RecurrentBias!.Data[j]);
            }
    }

    [Fact]
    public void Gru_shape_mismatch_names_file_layer_tensor_and_shapes()
    {
        var cfg = Seq1("""{"class_name": "GRU", "config": {"name": "gru_1", "units": 3, "reset_after": false}}""", "[null, 5, 2]");
        // reset_after=False needs bias (9,), the file holds (2, 9).
        var e = Assert.Throws<ShapeMismatchException>(() => Load(cfg, "2.3.1", Legacy(("gru_1",
            [Seq("gru_1/kernel:0", [2, 9]), Seq("gru_1/recurrent_kernel:0", [3, 9]), Seq("gru_1/bias:0", [2, 9])]))));
        Assert.Contains("test.h5", e.Message);
        Assert.Contains("gru_1", e.Message);
        Assert.Contains("gru_1/bias:0", e.Message);
        Assert.Contains("(2, 9)", e.Message);
        Assert.Contains("(9,)", e.Message);
    }

    [Fact]
    public void Kernel_input_dim_is_checked_against_the_inferred_input_shape()
    {
        var cfg = Seq1("""{"class_name": "SimpleRNN", "config": {"name": "rnn", "units": 4}}""", "[null, 5, 3]");
        var e = Assert.Throws<ShapeMismatchException>(() => Load(cfg, "2.1.3", Legacy(("rnn",
            [Seq("rnn/kernel:0", [2, 4]), Seq("rnn/recurrent_kernel:0", [4, 4]), Seq("rnn/bias:0", [4])]))));
        Assert.Contains("(3, 4)", e.Message);
    }

    [Fact]
    public void Missing_and_extra_weights_are_errors()
    {
        var cfg = Seq1("""{"class_name": "SimpleRNN", "config": {"name": "rnn", "units": 4}}""", "[null, 5, 3]");
        var missing = Assert.Throws<MissingWeightsException>(() => Load(cfg, "2.1.3", Legacy(("rnn",
            [Seq("rnn/kernel:0", [3, 4]), Seq("rnn/recurrent_kernel:0", [4, 4])]))));
        Assert.Contains("bias", missing.Message);
        Assert.Throws<MissingWeightsException>(() => Load(cfg, "2.1.3", Legacy(("other", []))));
        var extra = Assert.Throws<CorruptModelFileException>(() => Load(cfg, "2.1.3", Legacy(("rnn",
            [Seq("rnn/kernel:0", [3, 4]), Seq("rnn/recurrent_kernel:0", [4, 4]), Seq("rnn/bias:0", [4]), Seq("rnn/extra:0", [4])]))));
        Assert.Contains("rnn/extra:0", extra.Message);
        var unknownLayer = Assert.Throws<CorruptModelFileException>(() => Load(cfg, "2.1.3", Legacy(
            ("rnn", [Seq("rnn/kernel:0", [3, 4]), Seq("rnn/recurrent_kernel:0", [4, 4]), Seq("rnn/bias:0", [4])]), ("ghost", [Seq("ghost/kernel:0", [1])]))));
        Assert.Contains("ghost", unknownLayer.Message);
    }

    [Fact]
    public void CuDNNLSTM_weights_are_converted_like_keras_convert_rnn_weights()
    {
        int inDim = 2, u = 3;
        var cfg = Seq1("""{"class_name": "CuDNNLSTM", "config": {"name": "cu", "units": 3, "return_sequences": false}}""", "[null, 4, 2]");
        var k = Seq("cu/kernel:0", [inDim, 4 * u]);
        var r = Seq("cu/recurrent_kernel:0", [u, 4 * u], 1000);
        var b = Seq("cu/bias:0", [8 * u], 5000);
        var m = Load(cfg, "2.2.4", Legacy(("cu", [k, r, b])));
        Assert.Equal(4 * (inDim * u + u * u) + 8 * u, m.TotalParameters); // Keras counts the stored 8u biases
        var cell = Assert.IsType<LstmCell>(((RecurrentLayer)m.Layers[0]).Cell);
        Assert.Equal(ActivationKind.Sigmoid, cell.RecurrentActivation.Kind);
        for (int g = 0; g < 4; g++)
        {
            // The stored (in, u) gate block holds the bytes of a row-major (u, in) CuDNN matrix M; Keras's W[p, q] = M[q, p].
            var block = new double[inDim * u];
            for (int p = 0; p < inDim; p++)
                for (int q = 0; q < u; q++)
                    block[p * u + q] = k.Data[p * 4 * u + g * u + q];
            for (int p = 0; p < inDim; p++)
                for (int q = 0; q < u; q++)
                    Assert.Equal(block[q * inDim + p], cell.Kernel!.Data[p * 4 * u + g * u + q]);
            // Recurrent gate blocks are transposed.
            for (int p = 0; p < u; p++)
                for (int q = 0; q < u; q++)
                    Assert.Equal(r.Data[q * 4 * u + g * u + p], cell.RecurrentKernel!.Data[p * 4 * u + g * u + q]);
        }
        for (int i = 0; i < 4 * u; i++) Assert.Equal(b.Data[i] + b.Data[4 * u + i], cell.Bias!.Data[i]);
    }

    [Fact]
    public void CuDNNGRU_becomes_gru_reset_after_with_sigmoid()
    {
        var cfg = Seq1("""{"class_name": "CuDNNGRU", "config": {"name": "cg", "units": 2}}""", "[null, 4, 2]");
        var b = Seq("cg/bias:0", [12], 0);
        var m = Load(cfg, "2.2.4", Legacy(("cg", [Seq("cg/kernel:0", [2, 6]), Seq("cg/recurrent_kernel:0", [2, 6]), b])));
        var cell = Assert.IsType<GruCell>(((RecurrentLayer)m.Layers[0]).Cell);
        Assert.True(cell.ResetAfter);
        Assert.Equal(ActivationKind.Sigmoid, cell.RecurrentActivation.Kind);
        Assert.Equal(new[] { 2, 6 }, cell.Bias!.Shape);
        Assert.Equal(b.Data, cell.Bias.Data);
    }

    [Fact]
    public void Bidirectional_legacy_weights_split_by_direction_name()
    {
        const string cfg = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Bidirectional", "config": {"name": "bidirectional_1", "merge_mode": "concat",
            "layer": {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 2, "return_sequences": true}},
            "batch_input_shape": [null, 5, 3]}}]}}
        """;
        // Backward tensors listed first: the split must follow the names, not the positions.
        var bw = new[] { Seq("bidirectional_1/backward_lstm_1/kernel:0", [3, 8], 1000), Seq("bidirectional_1/backward_lstm_1/recurrent_kernel:0", [2, 8], 1100), Seq("bidirectional_1/backward_lstm_1/bias:0", [8], 1200) };
        var fw = new[] { Seq("bidirectional_1/forward_lstm_1/kernel:0", [3, 8]), Seq("bidirectional_1/forward_lstm_1/recurrent_kernel:0", [2, 8], 100), Seq("bidirectional_1/forward_lstm_1/bias:0", [8], 200) };
        var m = Load(cfg, "2.2.4", Legacy(("bidirectional_1", [.. bw, .. fw])));
        var bi = Assert.IsType<BidirectionalLayer>(m.Layers[0]);
        Assert.Equal(0, bi.Forward.Cell!.Kernel!.Data[0]);
        Assert.Equal(1000, bi.Backward.Cell!.Kernel!.Data[0]);
        Assert.True(bi.Backward.GoBackwards);
        Assert.False(bi.Forward.GoBackwards);
        Assert.Equal(new int?[] { null, 5, 4 }, bi.OutputShapes[0]);
        Assert.Equal(2 * 4 * (3 * 2 + 2 * 2 + 2), m.TotalParameters);
        var gates = m.GetGates("bidirectional_1");
        Assert.Equal(["forward", "backward"], gates.Select(g => g.Direction));
    }
}
