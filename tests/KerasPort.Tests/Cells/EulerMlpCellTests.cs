using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Compute;
using KerasPort.Compute.Jacobians;
using KerasPort.Model;
using KerasPort.Tests.Infrastructure;
using Newtonsoft.Json.Linq;
using Xunit.Abstractions;

namespace KerasPort.Tests.Cells;

/// <summary>
/// The explicit-Euler cell x ← x + η·MLP(x) around Dense layers loaded from Keras files, through the RNN driver, against
/// the Dense equations (y = act(x·kernel + bias)) evaluated directly here.
/// </summary>
[Trait("Category", "Recurrent")]
public class EulerMlpCellTests(ITestOutputHelper output)
{
    private sealed record Dense(double[] Kernel, int In, int Out, double[]? Bias, Func<double, double> Act);

    private static double[] Reference(double[] x0, IReadOnlyList<Dense> mlp, double eta, int steps, List<double[]>? trajectory = null)
    {
        var x = (double[])x0.Clone();
        for (int t = 0; t < steps; t++)
        {
            var a = x;
            foreach (var d in mlp)
            {
                var y = new double[d.Out];
                for (int j = 0; j < d.Out; j++)
                {
                    double acc = 0;
                    for (int k = 0; k < d.In; k++) acc += a[k] * d.Kernel[k * d.Out + j];
                    y[j] = d.Act(acc + (d.Bias?[j] ?? 0));
                }
                a = y;
            }
            x = x.Select((v, i) => v + eta * a[i]).ToArray();
            trajectory?.Add(x);
        }
        return x;
    }

    private static void CheckRun(EulerMlpCell cell, IReadOnlyList<Dense> mlp, double eta, double[] x0, int steps)
    {
        int n = cell.Dimension;
        var adapter = new CustomCellAdapter<double>(cell, inputSize: 1);
        var (seq, _, final) = CellTestMath.Run(adapter, new double[steps], 1, steps, x0);
        var expected = new List<double[]>();
        Reference(x0, mlp, eta, steps, expected);
        // same operations per value in possibly another order: relative rounding ≲ (in-width + 2) · 2⁻⁵³ per step,
        // amplified over the run by at most the map's Lipschitz constant to the power of steps (≤ ~1.2²⁰ here): < 1e-12
        for (int t = 0; t < steps; t++)
            for (int i = 0; i < n; i++)
                CellTestMath.AssertClose(expected[t][i], seq[t * n + i], 1e-12 * Math.Max(1, Math.Abs(expected[t][i])), $"step {t} x[{i}]");
        Assert.Equal(seq.AsSpan((steps - 1) * n, n).ToArray(), final);
    }

    [Fact]
    public void TwoLayerTanhMlp_FromWrittenKerasFile()
    {
        var rng = new Random(5);
        const int n = 3, hidden = 8;
        double[] k1 = CellTestMath.RandomF32(rng, n * hidden, 0.9), b1 = CellTestMath.RandomF32(rng, hidden, 0.3);
        double[] k2 = CellTestMath.RandomF32(rng, hidden * n, 0.9), b2 = CellTestMath.RandomF32(rng, n, 0.3);
        var config = JObject.Parse("""
        {"class_name": "Sequential", "config": {"name": "mlp", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "name": "x"}},
          {"class_name": "Dense", "config": {"name": "dense", "units": 8, "activation": "tanh", "use_bias": true}},
          {"class_name": "Dense", "config": {"name": "dense_1", "units": 3, "activation": "linear", "use_bias": true}}]}}
        """);
        var path = Path.Combine(Path.GetTempPath(), $"kp-mlp-{Guid.NewGuid():N}.h5");
        try
        {
            static float[] F(double[] v) => v.Select(d => (float)d).ToArray();
            LegacyH5Fixture.Write(path, config,
            [
                ("dense", [new("dense/kernel:0", [n, hidden], F(k1)), new("dense/bias:0", [hidden], F(b1))]),
                ("dense_1", [new("dense_1/kernel:0", [hidden, n], F(k2)), new("dense_1/bias:0", [n], F(b2))]),
            ]);
            var content = LegacyH5Fixture.Read(path);
            var d0 = content.Weights["dense"];
            var d1 = content.Weights["dense_1"];
            const double eta = 0.1;
            var cell = new EulerMlpCell(
            [
                new EulerMlpCell.DenseLayer(d0[0], d0[1], new Activation(ActivationKind.Tanh)),
                new EulerMlpCell.DenseLayer(d1[0], d1[1], Activation.Linear),
            ], eta);
            Dense[] mlp = [new(k1, n, hidden, b1, Math.Tanh), new(k2, hidden, n, b2, v => v)];
            CheckRun(cell, mlp, eta, [0.3, -0.2, 0.5], 40);

            // the same cell registered by class name, its MLP weights being the cell's own weights (kernel, bias pairs)
            var registry = new CustomCellRegistry();
            EulerMlpCell.Register(registry);
            var spec = JObject.FromObject(new { class_name = EulerMlpCell.KerasClassName, config = new { units = n, hidden_units = new[] { hidden }, eta, activations = new[] { "tanh", "linear" } } });
            var viaRegistry = CustomCellRegistry.TryCreate<double>(spec, "euler", 1, [.. d0, .. d1], registry, content.KerasVersion);
            Assert.NotNull(viaRegistry);
            var (seqA, _, _) = CellTestMath.Run(new CustomCellAdapter<double>(cell, 1), new double[10], 1, 10, [0.3, -0.2, 0.5]);
            var (seqB, _, _) = CellTestMath.Run(viaRegistry, new double[10], 1, 10, [0.3, -0.2, 0.5]);
            Assert.Equal(seqA, seqB);

            // its Jacobian: I + η·∂MLP/∂x, checked against central differences of the direct equations (tolerance as in StepJacobianTests)
            var jac = CellJacobian<double>.ForCustomCell(cell, 1);
            double[] x0 = [0.3, -0.2, 0.5];
            var js = new double[n * n];
            jac.Step(1, [0.0], x0, new double[n], new double[n], js);
            for (int j = 0; j < n; j++)
            {
                var p = (double[])x0.Clone(); p[j] += 1e-6;
                var m = (double[])x0.Clone(); m[j] -= 1e-6;
                var fp = Reference(p, mlp, eta, 1);
                var fm = Reference(m, mlp, eta, 1);
                for (int i = 0; i < n; i++) CellTestMath.AssertClose((fp[i] - fm[i]) / 2e-6, js[i * n + j], 1e-8, $"∂x′[{i}]/∂x[{j}]");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (double[] K1, double[] B1, double[] K2, double[] B2) MlpWeights(Random rng, int n, int hidden) =>
        (CellTestMath.RandomF32(rng, n * hidden, 0.9), CellTestMath.RandomF32(rng, hidden, 0.3), CellTestMath.RandomF32(rng, hidden * n, 0.9), CellTestMath.RandomF32(rng, n, 0.3));

    private static float[] F(double[] v) => v.Select(d => (float)d).ToArray();

    [Fact]
    public void FromDenseModel_WrapsAnMlpLoadedWithKerasModel()
    {
        var rng = new Random(6);
        const int n = 3, hidden = 5;
        var (k1, b1, k2, b2) = MlpWeights(rng, n, hidden);
        var config = JObject.Parse("""
        {"class_name": "Sequential", "config": {"name": "mlp", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "name": "x"}},
          {"class_name": "Dense", "config": {"name": "dense", "units": 5, "activation": "tanh", "use_bias": true}},
          {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}},
          {"class_name": "Dense", "config": {"name": "dense_1", "units": 3, "activation": "linear", "use_bias": true}}]}}
        """);
        var path = Path.Combine(Path.GetTempPath(), $"kp-mlp-{Guid.NewGuid():N}.h5");
        try
        {
            LegacyH5Fixture.Write(path, config,
            [
                ("dense", [new("dense/kernel:0", [n, hidden], F(k1)), new("dense/bias:0", [hidden], F(b1))]),
                ("dropout", []),
                ("dense_1", [new("dense_1/kernel:0", [hidden, n], F(k2)), new("dense_1/bias:0", [n], F(b2))]),
            ]);
            const double eta = 0.2;
            var cell = EulerMlpCell.FromDenseModel(KerasModel.Load(path), eta);
            Assert.Equal(n, cell.Dimension);
            CheckRun(cell, [new(k1, n, hidden, b1, Math.Tanh), new(k2, hidden, n, b2, v => v)], eta, [0.1, 0.4, -0.3], 30);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RnnOfEulerMlpCell_ModelFile_LoadsOnceRegistered_AndPredicts()
    {
        var rng = new Random(7);
        const int n = 3, hidden = 6, time = 25;
        var (k1, b1, k2, b2) = MlpWeights(rng, n, hidden);
        const double eta = 0.15;
        var config = JObject.Parse($$"""
        {"class_name": "Sequential", "config": {"name": "ode", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{time}}, 1], "dtype": "float32", "name": "t"} },
          {"class_name": "RNN", "config": {"name": "rnn", "dtype": "float32", "return_sequences": true, "return_state": false, "go_backwards": false,
            "stateful": false, "unroll": false, "time_major": false,
            "cell": {"class_name": "EulerMLPCell", "config": {"name": "euler_mlp_cell", "units": {{n}}, "hidden_units": [{{hidden}}],
              "activations": ["tanh", "linear"], "eta": 0.15 } } } } ] } }
        """);
        var path = Path.Combine(Path.GetTempPath(), $"kp-euler-{Guid.NewGuid():N}.h5");
        try
        {
            LegacyH5Fixture.Write(path, config,
            [
                ("rnn", [
                    new("rnn/euler_mlp_cell/kernel_0:0", [n, hidden], F(k1)), new("rnn/euler_mlp_cell/bias_0:0", [hidden], F(b1)),
                    new("rnn/euler_mlp_cell/kernel_1:0", [hidden, n], F(k2)), new("rnn/euler_mlp_cell/bias_1:0", [n], F(b2)),
                ]),
            ]);
            Assert.Throws<UnsupportedModelException>(() => KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = new CustomCellRegistry() }));
            var registry = new CustomCellRegistry();
            EulerMlpCell.Register(registry);
            var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = registry, ComputeType = ComputeType.Float64 });
            var y = model.Predict(System.Numerics.Tensors.Tensor.Create(new double[time], [1, time, 1]))[0].ToArray();
            var expected = new List<double[]>();
            Reference(new double[n], [new(k1, n, hidden, b1, Math.Tanh), new(k2, hidden, n, b2, v => v)], eta, time, expected);
            // tolerance as in CheckRun
            for (int t = 0; t < time; t++)
                for (int i = 0; i < n; i++)
                    CellTestMath.AssertClose(expected[t][i], y[t * n + i], 1e-12 * Math.Max(1, Math.Abs(expected[t][i])), $"step {t} x[{i}]");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SquareReluDenseFromCorpus_ElephasModel()
    {
        if (TestPaths.Corpus is not { } corpus)
        {
            output.WriteLine("shared corpus absent: skipped");
            return;
        }
        var path = Path.Combine(corpus, "dl4j-test-resources", "modelimport", "elephas", "elephas_model.h5");
        if (!File.Exists(path))
        {
            output.WriteLine($"{path} absent: skipped");
            return;
        }
        var content = LegacyH5Fixture.Read(path);
        // dense_5 is Dense(64, activation="relu") on 64 features: an MLP ℝ⁶⁴ → ℝ⁶⁴
        var layer = content.ModelConfig["config"]!["layers"]!.First(l => (string?)l["config"]!["name"] == "dense_5");
        Assert.Equal("relu", (string?)layer["config"]!["activation"]);
        var weights = content.Weights["dense_5"];
        Assert.Equal([64, 64], weights[0].Shape);
        const double eta = 0.05;
        var cell = new EulerMlpCell([new EulerMlpCell.DenseLayer(weights[0], weights[1], new Activation(ActivationKind.Relu))], eta);
        var rng = new Random(3);
        var x0 = CellTestMath.Random(rng, 64, 1.0);
        CheckRun(cell, [new Dense(weights[0].Data, 64, 64, weights[1].Data, v => Math.Max(v, 0))], eta, x0, 20);
    }

    [Fact]
    public void NonSquareMlp_IsShapeMismatch()
    {
        var k = new WeightTensor("dense/kernel:0", [3, 4], new double[12]);
        var e = Assert.Throws<ShapeMismatchException>(() => new EulerMlpCell([new EulerMlpCell.DenseLayer(k, null, Activation.Linear)], 0.1));
        Assert.Contains("3", e.Message);
        Assert.Contains("4", e.Message);
    }
}
