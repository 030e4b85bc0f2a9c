using System.Numerics.Tensors;
using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Compute.Jacobians;
using KerasPort.Compute.Recurrent;
using KerasPort.Model.Layers;
using KerasPort.Runtime;
using KerasPort.Tests.Cells;
using KerasPort.Tests.Infrastructure;
using Newtonsoft.Json.Linq;
using Xunit.Abstractions;

namespace KerasPort.Tests.Jacobians;

/// <summary>
/// Jacobians of recurrent layers of LOADED models (the committed fixtures, and an S-LSTM model file written here) through
/// the public API (<see cref="KerasModel.GetJacobianTrajectory{T}"/>, <see cref="KerasModel.GetCellJacobian{T}"/>), against
/// central finite differences of <see cref="KerasModel.Predict{T}(Tensor{T}[])"/> in float64 — what the model itself computes.
/// </summary>
/// <remarks>
/// Tolerance: with h = 1e-6 the truncation error h²/6·|f‴| is ≈ 2e-13 (|f‴| ≲ 1 for these smooth gates). The rounding
/// error of a difference quotient is ≈ 2δ/(2h), δ being the absolute rounding error of one float64 prediction: at most
/// ≈ 6 steps × ~15 roundings on the dependency path × 1.1e-16 × |value| ≲ 1 (outputs are tanh-bounded) ≈ 1e-14, so
/// ≈ 1e-8; the exact Jacobian must agree within 2e-8 (observed: ≤ 2e-10). Values (outputs, states) of the Jacobian's
/// scalar dual path and of the SIMD prediction path differ only by rounding: ≤ 1e-12 over these few contracting steps.
/// </remarks>
[Trait("Category", "Recurrent")]
public class ModelJacobianTests(ITestOutputHelper output)
{
    private const double H = 1e-6;
    private const double Tolerance = 2e-8;
    private const double ValueTolerance = 1e-12;

    private static KerasModel Fixture(string relative, CustomCellRegistry? cells = null) =>
        KerasModel.Load(Path.Combine(TestPaths.Fixtures, relative), new KerasModelLoadOptions { ComputeType = ComputeType.Float64, CustomCells = cells });

    private static double[] Predict(KerasModel model, int output, params (double[] Data, int[] Shape)[] inputs) =>
        model.Predict(inputs.Select(i => Tensor.Create(i.Data, i.Shape.Select(d => (nint)d).ToArray())).ToArray())[output].ToArray();

    private double _worst;

    private void Close(double expected, double actual, double tolerance, string what)
    {
        _worst = Math.Max(_worst, Math.Abs(expected - actual));
        CellTestMath.AssertClose(expected, actual, tolerance, what);
    }

    /// <summary>
    /// For a model whose output <paramref name="outputIndex"/> is the recurrent layer's output: the trajectory's values equal
    /// the prediction, and every ∂y(step)/∂x(t, m) equals the central difference of Predict. <paramref name="outputStep"/> maps
    /// a processed step to its index in the output (null: the layer returns only its last output).
    /// </summary>
    private void CheckInputJacobians(KerasModel model, string layerName, int batch, int time, int features, int outputSize, double[] x,
        JacobianTrajectory<double> traj, Func<int, int>? outputStep, int outputIndex = 0, int outputOffset = 0, int outputWidth = -1,
        bool[]? mask = null)
    {
        int width = outputWidth < 0 ? outputSize : outputWidth;
        int O = traj.OutputSize, I = traj.InputSize;
        Assert.Equal(features, I);
        var y = Predict(model, outputIndex, (x, [batch, time, features]));
        // values
        for (int b = 0; b < batch; b++)
            for (int s = outputStep is null ? time - 1 : 0; s < time; s++)
            {
                int row = outputStep is null ? b : b * time + outputStep(s);
                for (int i = 0; i < O; i++) Close(y[row * width + outputOffset + i], traj.Output(s, b)[i], ValueTolerance, $"{layerName}: y[{b}, step {s}, {i}]");
            }
        // ∂y/∂x against central differences of the whole model
        var exact = new double[batch][][];
        for (int b = 0; b < batch; b++)
        {
            exact[b] = new double[time][];
            for (int s = 0; s < time; s++) exact[b][s] = traj.OutputWrtInputs(s, b);
        }
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
            {
                int k = Enumerable.Range(0, time).Single(step => traj.InputTimeIndex(step) == t); // the step that read time t
                if (mask is not null && !mask[b * time + t])
                {
                    // a masked step's input does not reach the output (perturbing it would unmask the step: no difference quotient)
                    for (int s = 0; s < time; s++) Assert.All(exact[b][s].AsSpan(k * O * I, O * I).ToArray(), v => Assert.Equal(0.0, v));
                    continue;
                }
                for (int m = 0; m < features; m++)
                {
                    int at = (b * time + t) * features + m;
                    var xp = (double[])x.Clone(); xp[at] += H;
                    var xm = (double[])x.Clone(); xm[at] -= H;
                    var yp = Predict(model, outputIndex, (xp, [batch, time, features]));
                    var ym = Predict(model, outputIndex, (xm, [batch, time, features]));
                    for (int s = outputStep is null ? time - 1 : 0; s < time; s++)
                    {
                        int row = outputStep is null ? b : b * time + outputStep(s);
                        for (int i = 0; i < O; i++)
                        {
                            double fd = (yp[row * width + outputOffset + i] - ym[row * width + outputOffset + i]) / (2 * H);
                            Close(fd, exact[b][s][(k * O + i) * I + m], Tolerance, $"{layerName}: ∂y[{b}, step {s}, {i}]/∂x[{b}, {t}, {m}]");
                        }
                    }
                }
            }
    }

    [Theory]
    [InlineData("lstm/lstm_last.h5", "lstm")]
    [InlineData("gru/gru_reset_after_true.h5", "gru")]
    [InlineData("gru/gru_reset_after_false.h5", "gru")]
    [InlineData("simple_rnn/simple_rnn_tanh.h5", "simple_rnn")]
    [InlineData("cells/rnn_stacked_cells.h5", "rnn")]
    public void OutputWrtInputs_OfLoadedFixture_MatchesFiniteDifferencesOfPredict(string fixture, string layerName)
    {
        var model = Fixture(fixture);
        var layer = (RecurrentLayer)model.GetLayer(layerName);
        var inShape = model.Graph.Inputs[0].Shape;
        int time = inShape[1]!.Value, features = inShape[2]!.Value, batch = 2;
        var rng = new Random(fixture.Length);
        var x = CellTestMath.Random(rng, batch * time * features, 1.0);
        var traj = model.GetJacobianTrajectory<double>(layerName, batch, time, x);
        Assert.Equal(layer.StateSizes.Sum(), traj.StateSize);
        CheckInputJacobians(model, layerName, batch, time, features, layer.OutputUnits, x, traj, layer.ReturnSequences ? s => s : null);
        output.WriteLine($"{fixture}: largest |exact − reference| {_worst:E2}");
    }

    [Fact]
    public void GoBackwards_ReturnState_FixtureOutputsInProcessedOrder()
    {
        var model = Fixture("simple_rnn/simple_rnn_backwards_state.h5");
        const int batch = 2, time = 5, features = 2, units = 3;
        var x = CellTestMath.Random(new Random(21), batch * time * features, 1.0);
        var traj = model.GetJacobianTrajectory<double>("simple_rnn", batch, time, x);
        Assert.Equal(time - 1, traj.InputTimeIndex(0));
        // the sequence comes out in processed order (Keras returns it reversed), the state is the final one
        CheckInputJacobians(model, "simple_rnn", batch, time, features, units, x, traj, s => s);
        var state = Predict(model, 1, (x, [batch, time, features]));
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < units; i++) Close(state[b * units + i], traj.State(time - 1, b)[i], ValueTolerance, $"state[{b}, {i}]");
        output.WriteLine($"largest |exact − reference| {_worst:E2}");
    }

    [Fact]
    public void Masking_GoBackwards_MaskedStepsCarryTheStateAndRepeatTheOutput()
    {
        var model = Fixture("masking/masking_simple_rnn_backwards.h5");
        const int batch = 3, time = 5, features = 3, units = 3;
        var rng = new Random(22);
        var x = CellTestMath.Random(rng, batch * time * features, 1.0);
        var mask = new bool[batch * time];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = i % 4 != 2 && i != 0; // Masking(0.0): all-zero steps are skipped
            if (!mask[i]) Array.Clear(x, i * features, features);
        }
        var traj = model.GetJacobianTrajectory<double>("simple_rnn", batch, time, x, mask: mask);
        Assert.Contains(Enumerable.Range(0, time), s => traj.IsMasked(s, 0));
        CheckInputJacobians(model, "simple_rnn", batch, time, features, units, x, traj, s => s, mask: mask);
        output.WriteLine($"largest |exact − reference| {_worst:E2}");
    }

    [Fact]
    public void Bidirectional_BackwardDirection_MatchesTheBackwardHalfOfTheOutput()
    {
        var model = Fixture("bidirectional/bidi_lstm_concat_seq.h5");
        const int batch = 2, time = 5, features = 3, units = 4;
        var x = CellTestMath.Random(new Random(23), batch * time * features, 1.0);
        var forward = model.GetJacobianTrajectory<double>("bidirectional", batch, time, x);
        var backward = model.GetJacobianTrajectory<double>("bidirectional", batch, time, x, backward: true);
        // output (batch, time, 2·units): forward half in time order; backward half flipped back to time order by Bidirectional
        CheckInputJacobians(model, "bidirectional/forward", batch, time, features, units, x, forward, s => s, outputOffset: 0, outputWidth: 2 * units);
        CheckInputJacobians(model, "bidirectional/backward", batch, time, features, units, x, backward, s => time - 1 - s, outputOffset: units, outputWidth: 2 * units);
        output.WriteLine($"largest |exact − reference| {_worst:E2}");
    }

    [Fact]
    public void OutputsWrtInitialState_OfLoadedLstm_MatchesFiniteDifferencesOfPredict()
    {
        // Functional: x (None, 5, 3), h0 (None, 4), c0 (None, 4) → LSTM(return_sequences, initial_state=[h0, c0]) → Dense(2)
        var model = Fixture("lstm/lstm_initial_state.h5");
        const int batch = 2, time = 5, features = 3, units = 4, outputs = 2;
        var rng = new Random(24);
        var x = CellTestMath.Random(rng, batch * time * features, 1.0);
        var h0 = CellTestMath.Random(rng, batch * units, 0.6);
        var c0 = CellTestMath.Random(rng, batch * units, 0.6);
        var s0 = new double[batch * 2 * units]; // row layout [h, c]
        for (int b = 0; b < batch; b++)
        {
            h0.AsSpan(b * units, units).CopyTo(s0.AsSpan(b * 2 * units));
            c0.AsSpan(b * units, units).CopyTo(s0.AsSpan(b * 2 * units + units));
        }
        var traj = model.GetJacobianTrajectory<double>("lstm", batch, time, x, s0);
        var dense = (DenseLayer)model.GetLayer("dense");
        var kernel = dense.Kernel!.Data; // (units, outputs)
        var inputs = new[] { (x, new[] { batch, time, features }), (h0, new[] { batch, units }), (c0, new[] { batch, units }) };
        for (int b = 0; b < batch; b++)
        {
            var dyds = traj.OutputsWrtInitialState(b); // time × units × 2·units
            for (int j = 0; j < 2 * units; j++)
            {
                var plus = inputs.Select(i => ((double[])i.Item1.Clone(), i.Item2)).ToArray();
                var minus = inputs.Select(i => ((double[])i.Item1.Clone(), i.Item2)).ToArray();
                int which = j < units ? 1 : 2, at = b * units + j % units;
                plus[which].Item1[at] += H;
                minus[which].Item1[at] -= H;
                var yp = Predict(model, 0, plus);
                var ym = Predict(model, 0, minus);
                for (int t = 0; t < time; t++)
                    for (int o = 0; o < outputs; o++)
                    {
                        double exact = 0; // ∂dense_o/∂s0_j = Σ_i kernel[i, o] · ∂y_i/∂s0_j (the Dense layer is linear)
                        for (int i = 0; i < units; i++) exact += kernel[i * outputs + o] * dyds[(t * units + i) * 2 * units + j];
                        double fd = (yp[(b * time + t) * outputs + o] - ym[(b * time + t) * outputs + o]) / (2 * H);
                        Close(fd, exact, Tolerance, $"∂out[{b}, {t}, {o}]/∂{(j < units ? "h0" : "c0")}[{j % units}]");
                    }
            }
        }
        output.WriteLine($"largest |exact − reference| {_worst:E2}");
    }

    [Fact]
    public void GetCellJacobian_OneStep_MatchesFiniteDifferencesOfTheRuntimeCell()
    {
        var model = Fixture("gru/gru_reset_after_true.h5");
        var jac = model.GetCellJacobian<double>("gru");
        Assert.Equal(3, jac.InputSize);
        Assert.Equal([5], jac.StateSizes);
        var cell = PlanCompiler.CreateLayerCell<double>((RecurrentLayer)model.GetLayer("gru")); // the cell Predict runs
        var rng = new Random(25);
        const int batch = 2;
        int S = jac.StateSize, I = jac.InputSize;
        var s = CellTestMath.Random(rng, batch * S, 0.8);
        var x = CellTestMath.Random(rng, batch * I, 1.2);
        var js = new double[batch * S * S];
        var jx = new double[batch * S * I];
        jac.Step(batch, x, s, new double[batch * S], new double[batch * S], js, jx);
        double[] Run(double[] state, double[] input)
        {
            var proj = new double[cell.ProjectionSize];
            cell.ProjectInputs(input, 1, proj);
            var next = new double[S];
            cell.Step(proj, 1, new StateBuffers<double>(state, cell.StateSizes, 1), new StateBuffers<double>(next, cell.StateSizes, 1), new double[cell.OutputSize],
                new double[cell.ScratchPerRow]);
            return next;
        }
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < S + I; j++)
            {
                double[] sp = s.AsSpan(b * S, S).ToArray(), sm = (double[])sp.Clone(), xp = x.AsSpan(b * I, I).ToArray(), xm = (double[])xp.Clone();
                if (j < S) { sp[j] += H; sm[j] -= H; } else { xp[j - S] += H; xm[j - S] -= H; }
                var fp = Run(sp, xp);
                var fm = Run(sm, xm);
                for (int i = 0; i < S; i++)
                {
                    double exact = j < S ? js[b * S * S + i * S + j] : jx[b * S * I + i * I + j - S];
                    Close((fp[i] - fm[i]) / (2 * H), exact, Tolerance, $"row {b}: ∂s′[{i}]/∂{(j < S ? "s" : "x")}[{(j < S ? j : j - S)}]");
                }
            }
    }

    [Fact]
    public void CustomCellModel_SLstm_OutputWrtInputs_MatchesFiniteDifferencesOfPredict()
    {
        var rng = new Random(26);
        const int n = 3, u = 4, time = 6, batch = 2;
        double[] W = CellTestMath.RandomF32(rng, n * 2 * u, 0.8), R = CellTestMath.RandomF32(rng, u * 2 * u, 0.8), B = CellTestMath.RandomF32(rng, 2 * u, 0.5);
        var config = JObject.Parse($$$"""
        {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, {{{time}}}, {{{n}}}], "dtype": "float32", "name": "input_1"}},
          {"class_name": "RNN", "config": {"name": "rnn", "dtype": "float32", "return_sequences": true, "return_state": false, "go_backwards": true,
            "stateful": false, "unroll": false, "time_major": false,
            "cell": {"class_name": "SLSTMCell", "config": {"name": "slstm_cell", "units": {{{u}}}, "activation": "tanh", "recurrent_activation": "sigmoid"} } } } ] } }
        """);
        var path = Path.Combine(Path.GetTempPath(), $"kp-slstm-jac-{Guid.NewGuid():N}.h5");
        try
        {
            static float[] F(double[] v) => v.Select(d => (float)d).ToArray();
            LegacyH5Fixture.Write(path, config,
                [("rnn", [new("rnn/slstm_cell/kernel:0", [n, 2 * u], F(W)), new("rnn/slstm_cell/recurrent_kernel:0", [u, 2 * u], F(R)), new("rnn/slstm_cell/bias:0", [2 * u], F(B))])]);
            var registry = new CustomCellRegistry();
            SLstmCell.Register(registry);
            var model = KerasModel.Load(path, new KerasModelLoadOptions { CustomCells = registry, ComputeType = ComputeType.Float64 });
            var x = CellTestMath.Random(rng, batch * time * n, 1.2);
            var traj = model.GetJacobianTrajectory<double>("rnn", batch, time, x);
            CheckInputJacobians(model, "rnn", batch, time, n, u, x, traj, s => s);
            output.WriteLine($"largest |exact − reference| {_worst:E2}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NotRecurrent_NoBackwardDirection_NoWeights_AreInvalidArguments()
    {
        var model = Fixture("lstm/lstm_initial_state.h5");
        Assert.Contains("not a recurrent layer", Assert.Throws<InvalidModelArgumentException>(() => model.GetCellJacobian<double>("dense")).Message);
        Assert.Contains("no backward direction", Assert.Throws<InvalidModelArgumentException>(() => model.GetCellJacobian<double>("lstm", backward: true)).Message);
        Assert.Throws<InvalidModelArgumentException>(() => model.GetCellJacobian<double>("no_such_layer"));
        var architectureOnly = KerasModel.FromConfig(File.ReadAllText(Path.Combine(TestPaths.Fixtures, "formats", "weights_only_lstm.json")));
        var recurrent = architectureOnly.Layers.First(l => l is RecurrentLayer).Name;
        Assert.Contains("no weights", Assert.Throws<InvalidModelArgumentException>(() => architectureOnly.GetCellJacobian<double>(recurrent)).Message);
    }
}
