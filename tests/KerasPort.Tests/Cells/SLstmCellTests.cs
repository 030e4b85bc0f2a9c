using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Compute.Recurrent;
using KerasPort.Model;
using KerasPort.Tests.Infrastructure;
using Newtonsoft.Json.Linq;

namespace KerasPort.Tests.Cells;

/// <summary>
/// The S-LSTM sample cell: built from a hand-made config + weights and from a tf.keras 2.x legacy .h5 model file whose
/// config holds <c>RNN(cell=SLSTMCell)</c>, checked against <see cref="SLstmReference"/>.
/// </summary>
[Trait("Category", "Recurrent")]
public class SLstmCellTests
{
    // Pre-activations are sums of ≤ 10 products of magnitude ≤ ~1.5, so one step's rounding differs between two summation
    // orders by ≲ 10 · 1.5 · 2⁻⁵³ ≈ 2e-15; over ≤ 9 contracting steps (σ′, tanh′ ≤ 1) that stays far below 1e-12.
    private const double Tolerance = 1e-12;

    private static (double[] W, double[] R, double[] B) Weights(Random rng, int n, int u) =>
        (CellTestMath.RandomF32(rng, n * 2 * u, 0.8), CellTestMath.RandomF32(rng, u * 2 * u, 0.8), CellTestMath.RandomF32(rng, 2 * u, 0.5));

    private static SLstmCell Cell(int n, int u, double[] W, double[] R, double[] B, string layer = "rnn") =>
        CellTestMath.Loaded(
            new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = u, activation = "tanh", recurrent_activation = "sigmoid", name = "slstm_cell" }), n, layer),
            c => new SLstmCell(c),
            new WeightTensor($"{layer}/slstm_cell/kernel:0", [n, 2 * u], W),
            new WeightTensor($"{layer}/slstm_cell/recurrent_kernel:0", [u, 2 * u], R),
            new WeightTensor($"{layer}/slstm_cell/bias:0", [2 * u], B));

    [Theory]
    [InlineData(1, 1, 1, 1, false, false)]
    [InlineData(3, 6, 4, 5, false, false)]
    [InlineData(2, 7, 3, 4, true, false)]
    [InlineData(3, 9, 2, 3, false, true)]
    [InlineData(4, 5, 5, 2, true, true)]
    public void Driver_MatchesDirectEquations(int batch, int time, int n, int u, bool backwards, bool masked)
    {
        var rng = new Random(1000 + batch * 100 + time * 10 + u);
        var (W, R, B) = Weights(rng, n, u);
        var x = CellTestMath.Random(rng, batch * time * n, 1.5);
        var h0 = CellTestMath.Random(rng, batch * u, 0.5);
        var c0 = CellTestMath.Random(rng, batch * u, 0.5);
        bool[]? mask = masked ? Enumerable.Range(0, batch * time).Select(i => rng.NextDouble() > 0.35).ToArray() : null;

        var cell = new CustomCellAdapter<double>(Cell(n, u, W, R, B), n);
        var (seq, last, states) = CellTestMath.Run(cell, x, batch, time, [.. h0, .. c0], mask, backwards);
        var (eSeq, eH, eC) = SLstmReference.Run(x, batch, time, n, u, W, R, B, h0, c0, mask, backwards);

        for (int i = 0; i < eSeq.Length; i++) CellTestMath.AssertClose(eSeq[i], seq[i], Tolerance, $"sequence[{i}]");
        for (int i = 0; i < eH.Length; i++) CellTestMath.AssertClose(eH[i], states[i], Tolerance, $"h[{i}]");
        for (int i = 0; i < eC.Length; i++) CellTestMath.AssertClose(eC[i], states[eH.Length + i], Tolerance, $"c[{i}]");
        for (int i = 0; i < eH.Length; i++) CellTestMath.AssertClose(masked ? eSeq[(i / u * time + time - 1) * u + i % u] : eH[i], last[i], Tolerance, $"last[{i}]");
    }

    [Fact]
    public void Float32_TracksFloat64Reference()
    {
        var rng = new Random(7);
        const int n = 3, u = 4, time = 8;
        var (W, R, B) = Weights(rng, n, u);
        var x = CellTestMath.RandomF32(rng, time * n, 1.0);
        var cell = new CustomCellAdapter<float>(Cell(n, u, W, R, B), n);
        var states = new float[2 * u];
        var seq = new float[time * u];
        RnnDriver.Run(cell, x.Select(v => (float)v).ToArray(), 1, time, [], false, false, states, seq, new float[u], new RnnWorkspace<float>());
        var (eSeq, _, _) = SLstmReference.Run(x, 1, time, n, u, W, R, B, new double[u], new double[u]);
        // float32 rounding (2⁻²⁴ ≈ 6e-8 per operation, ~20 operations per value, contracting dynamics): well below 1e-5
        for (int i = 0; i < eSeq.Length; i++) CellTestMath.AssertClose(eSeq[i], seq[i], 1e-5, $"sequence[{i}]");
    }

    [Fact]
    public void ModelFile_WithRnnOfSLstmCell_LoadsOnceRegistered_AndPredicts()
    {
        var rng = new Random(42);
        const int n = 3, u = 4, time = 6, batch = 2;
        var (W, R, B) = Weights(rng, n, u);
        var config = JObject.Parse($$$"""
        {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{{time}}}, {{{n}}}], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_1"}},
          {"class_name": "RNN", "config": {"name": "rnn", "trainable": true, "dtype": "float32", "return_sequences": true, "return_state": false,
            "go_backwards": false, "stateful": false, "unroll": false, "time_major": false,
            "cell": {"class_name": "SLSTMCell", "config": {"name": "slstm_cell", "trainable": true, "dtype": "float32", "units": {{{u}}},
              "activation": "tanh", "recurrent_activation": "sigmoid"} } } } ] } }
        """);
        var path = Path.Combine(Path.GetTempPath(), $"kp-slstm-{Guid.NewGuid():N}.h5");
        try
        {
            LegacyH5Fixture.Write(path, config,
            [
                ("rnn", [
                    new("rnn/slstm_cell/kernel:0", [n, 2 * u], W.Select(v => (float)v).ToArray()),
                    new("rnn/slstm_cell/recurrent_kernel:0", [u, 2 * u], R.Select(v => (float)v).ToArray()),
                    new("rnn/slstm_cell/bias:0", [2 * u], B.Select(v => (float)v).ToArray()),
                ]),
            ]);
            var content = LegacyH5Fixture.Read(path);
            var layer = (JObject)content.ModelConfig["config"]!["layers"]![1]!;
            var cellSpec = (JObject)layer["config"]!["cell"]!;
            int inputSize = layer.Parent!.First!["config"]!["batch_input_shape"]!.Last!.Value<int>();

            // unregistered: the loader gets null and reports the layer as unsupported
            var registry = new CustomCellRegistry();
            Assert.Null(CustomCellRegistry.TryCreate<double>(cellSpec, "rnn", inputSize, content.Weights["rnn"], registry, content.KerasVersion));

            SLstmCell.Register(registry);
            var cell = CustomCellRegistry.TryCreate<double>(cellSpec, "rnn", inputSize, content.Weights["rnn"], registry, content.KerasVersion);
            Assert.NotNull(cell);
            var x = CellTestMath.Random(rng, batch * time * n, 1.2);
            var (seq, _, _) = CellTestMath.Run(cell, x, batch, time, new double[2 * batch * u]);
            var (eSeq, _, _) = SLstmReference.Run(x, batch, time, n, u, W, R, B, new double[batch * u], new double[batch * u]);
            for (int i = 0; i < eSeq.Length; i++) CellTestMath.AssertClose(eSeq[i], seq[i], Tolerance, $"prediction[{i}]");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Build_DeclaresWeightsInKerasOrder_BeforeAnyValueIsLoaded()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn");
        var cell = new SLstmCell(ctx);
        Assert.Equal([2, 2], cell.StateSizes);
        Assert.Equal(2, cell.OutputSize);
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], ctx.Weights.Select(w => w.Name));
        Assert.Equal([[3, 4], [2, 4], [4]], ctx.Weights.Select(w => w.Shape.ToArray()));
        Assert.False(ctx.WeightsLoaded);
        var e = Assert.Throws<MissingWeightsException>(() => ctx.Weights[0].As<double>().ToArray());
        Assert.Contains("kernel", e.Message);
        Assert.Contains("rnn", e.Message);
    }

    [Fact]
    public void MissingWeight_IsTypedAndNamesLayerAndWeight()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn");
        _ = new SLstmCell(ctx);
        var e = Assert.Throws<MissingWeightsException>(() => ctx.LoadWeights([new WeightTensor("rnn/slstm_cell/kernel:0", [3, 4], new double[12])]));
        Assert.Contains("rnn", e.Message);
        Assert.Contains("missing: 'recurrent_kernel', 'bias'", e.Message);
    }

    [Fact]
    public void WrongKernelShape_IsShapeMismatch()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn");
        _ = new SLstmCell(ctx);
        var e = Assert.Throws<ShapeMismatchException>(() => ctx.LoadWeights(
        [
            new WeightTensor("rnn/slstm_cell/kernel:0", [3, 8], new double[24]),
            new WeightTensor("rnn/slstm_cell/recurrent_kernel:0", [2, 4], new double[8]),
            new WeightTensor("rnn/slstm_cell/bias:0", [4], new double[4]),
        ]));
        Assert.Contains("(3, 8)", e.Message);
        Assert.Contains("(3, 4)", e.Message);
        Assert.False(ctx.WeightsLoaded);
    }

    [Fact]
    public void StoredOrderDiffers_NamesDecide_UnnamedArePositional()
    {
        double[] W = [.. Enumerable.Range(0, 12).Select(i => i * 0.01)], R = [.. Enumerable.Range(0, 8).Select(i => -i * 0.02)], B = [0.1, 0.2, 0.3, 0.4];
        // named (legacy weight_names) in another order than declared: matched by name
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn");
        var cell = new SLstmCell(ctx);
        ctx.LoadWeights([new WeightTensor("rnn/cell/bias:0", [4], B), new WeightTensor("rnn/cell/kernel:0", [3, 4], W), new WeightTensor("rnn/cell/recurrent_kernel:0", [2, 4], R)]);
        Assert.Equal(W, ctx.Weights[0].As<double>().ToArray());
        Assert.Equal(R, ctx.Weights[1].As<double>().ToArray());
        Assert.Equal(B, ctx.Weights[2].As<double>().ToArray());
        // Keras 3 vars 0, 1, 2: by position, as Keras loads them
        var ctx3 = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn", "3.8.0");
        _ = new SLstmCell(ctx3);
        ctx3.LoadWeights([new WeightTensor("layers/rnn/cell/vars/0", [3, 4], W), new WeightTensor("layers/rnn/cell/vars/1", [2, 4], R), new WeightTensor("layers/rnn/cell/vars/2", [4], B)]);
        Assert.Equal(R, ctx3.Weights[1].As<double>().ToArray());
        // positional with a wrong order fails on the shape, naming the declared weight
        var bad = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn");
        _ = new SLstmCell(bad);
        var e = Assert.Throws<ShapeMismatchException>(() => bad.LoadWeights([new WeightTensor("vars/0", [2, 4], R), new WeightTensor("vars/1", [3, 4], W), new WeightTensor("vars/2", [4], B)]));
        Assert.Contains("'kernel'", e.Message);
        Assert.Contains("by position", e.Message);
        // one stored weight too many
        var extra = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3, "rnn");
        _ = new SLstmCell(extra);
        Assert.Throws<CorruptModelFileException>(() => extra.LoadWeights([new WeightTensor("0", [3, 4], W), new WeightTensor("1", [2, 4], R), new WeightTensor("2", [4], B), new WeightTensor("3", [4], B)]));
        Assert.NotNull(cell);
    }

    [Fact]
    public void MissingUnits_IsCorruptConfig()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, new JObject(), 3, "rnn");
        var e = Assert.Throws<CorruptModelFileException>(() => new SLstmCell(ctx));
        Assert.Contains("units", e.Message);
    }
}
