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

    private static CustomCellContext Context(int n, int u, double[] W, double[] R, double[] B, string layer = "rnn") =>
        new(SLstmCell.KerasClassName, JObject.FromObject(new { units = u, activation = "tanh", recurrent_activation = "sigmoid", name = "slstm_cell" }), n,
            [
                new WeightTensor($"{layer}/slstm_cell/kernel:0", [n, 2 * u], W),
                new WeightTensor($"{layer}/slstm_cell/recurrent_kernel:0", [u, 2 * u], R),
                new WeightTensor($"{layer}/slstm_cell/bias:0", [2 * u], B),
            ], layer);

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

        var cell = new CustomCellAdapter<double>(new SLstmCell(Context(n, u, W, R, B)), n);
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
        var cell = new CustomCellAdapter<float>(new SLstmCell(Context(n, u, W, R, B)), n);
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
    public void MissingWeight_IsTypedAndNamesLayerAndWeight()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3,
            [new WeightTensor("rnn/slstm_cell/kernel:0", [3, 4], new double[12])], "rnn");
        var e = Assert.Throws<MissingWeightsException>(() => new SLstmCell(ctx));
        Assert.Contains("rnn", e.Message);
        Assert.Contains("recurrent_kernel", e.Message);
    }

    [Fact]
    public void WrongKernelShape_IsShapeMismatch()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = 2 }), 3,
        [
            new WeightTensor("rnn/slstm_cell/kernel:0", [3, 8], new double[24]),
            new WeightTensor("rnn/slstm_cell/recurrent_kernel:0", [2, 4], new double[8]),
            new WeightTensor("rnn/slstm_cell/bias:0", [4], new double[4]),
        ], "rnn");
        var e = Assert.Throws<ShapeMismatchException>(() => new SLstmCell(ctx));
        Assert.Contains("(3, 8)", e.Message);
        Assert.Contains("(3, 4)", e.Message);
    }

    [Fact]
    public void MissingUnits_IsCorruptConfig()
    {
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, new JObject(), 3, [], "rnn");
        var e = Assert.Throws<CorruptModelFileException>(() => new SLstmCell(ctx));
        Assert.Contains("units", e.Message);
    }
}
