using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Compute;
using KerasPort.Compute.Jacobians;
using KerasPort.Compute.Recurrent;
using KerasPort.Model;
using KerasPort.Tests.Cells;
using Newtonsoft.Json.Linq;

namespace KerasPort.Tests.Jacobians;

/// <summary>
/// Per-step Jacobians (∂s′/∂s, ∂s′/∂x, ∂y/∂s, ∂y/∂x) of every cell kind against central finite differences in float64.
/// </summary>
/// <remarks>
/// Tolerance: a central difference with step h has truncation error h²/6·|f‴| ≈ 2e-13 here (|f‴| ≲ 1 for these smooth
/// gates at h = 1e-6) and rounding error ≈ ε·|f|·k/h, with ε = 2.2e-16, |f| ≲ 3 and k ≲ 10 roundings in each
/// evaluation: ≈ 7e-9 in the worst case (typically 1e-10). The exact Jacobian must therefore agree within 1e-8.
/// </remarks>
[Trait("Category", "Recurrent")]
public class StepJacobianTests
{
    private const double H = 1e-6;
    private const double Tolerance = 1e-8;

    private static readonly Activation Tanh = new(ActivationKind.Tanh);
    private static readonly Activation Sigmoid = new(ActivationKind.Sigmoid);

    /// <summary>One step of one row: (state, input) → (new state, output); state in row layout.</summary>
    private delegate (double[] State, double[] Output) StepFunction(double[] state, double[] input);

    /// <summary>The cell's own value path for one row (batch 1, where block and row layouts coincide).</summary>
    private static StepFunction ViaCell(IRecurrentCell<double> cell) => (s, x) =>
    {
        var proj = new double[cell.ProjectionSize];
        cell.ProjectInputs(x, 1, proj);
        var next = new double[s.Length];
        var y = new double[cell.OutputSize];
        cell.Step(proj, 1, new StateBuffers<double>((double[])s.Clone(), cell.StateSizes, 1), new StateBuffers<double>(next, cell.StateSizes, 1), y,
            new double[cell.ScratchPerRow]);
        return (next, y);
    };

    /// <summary>Checks the batched exact Jacobians of <paramref name="jac"/> row by row against central differences of <paramref name="f"/>.</summary>
    private static void CheckAgainstFiniteDifferences(CellJacobian<double> jac, StepFunction f, int batch, Random rng, double stateScale = 0.8, double inputScale = 1.2)
    {
        int S = jac.StateSize, I = jac.InputSize, O = jac.OutputSize;
        var states = CellTestMath.Random(rng, batch * S, stateScale);
        var inputs = CellTestMath.Random(rng, batch * I, inputScale);
        var next = new double[batch * S];
        var y = new double[batch * O];
        var js = new double[batch * S * S];
        var jx = new double[batch * S * I];
        var jy = new double[batch * O * S];
        var jyx = new double[batch * O * I];
        jac.Step(batch, inputs, states, next, y, js, jx, jy, jyx);

        for (int b = 0; b < batch; b++)
        {
            var s0 = states.AsSpan(b * S, S).ToArray();
            var x0 = inputs.AsSpan(b * I, I).ToArray();
            var (fs, fy) = f(s0, x0);
            // The Jacobian engine evaluates the step on the generic scalar path; the cell itself runs the SIMD kernels
            // (FMA, vectorized tanh/exp, another summation order): the values agree to a few ulps, not bit for bit.
            for (int i = 0; i < S; i++) Assert.Equal(fs[i], next[b * S + i], 1e-13);
            for (int i = 0; i < O; i++) Assert.Equal(fy[i], y[b * O + i], 1e-13);
            for (int j = 0; j < S + I; j++)
            {
                var sp = (double[])s0.Clone(); var sm = (double[])s0.Clone();
                var xp = (double[])x0.Clone(); var xm = (double[])x0.Clone();
                if (j < S) { sp[j] += H; sm[j] -= H; } else { xp[j - S] += H; xm[j - S] -= H; }
                var (ps, py) = f(sp, xp);
                var (ms, my) = f(sm, xm);
                for (int i = 0; i < S; i++)
                {
                    double fd = (ps[i] - ms[i]) / (2 * H);
                    double exact = j < S ? js[b * S * S + i * S + j] : jx[b * S * I + i * I + (j - S)];
                    CellTestMath.AssertClose(fd, exact, Tolerance, $"row {b}: ∂s′[{i}]/∂{(j < S ? $"s[{j}]" : $"x[{j - S}]")}");
                }
                for (int i = 0; i < O; i++)
                {
                    double fd = (py[i] - my[i]) / (2 * H);
                    double exact = j < S ? jy[b * O * S + i * S + j] : jyx[b * O * I + i * I + (j - S)];
                    CellTestMath.AssertClose(fd, exact, Tolerance, $"row {b}: ∂y[{i}]/∂{(j < S ? $"s[{j}]" : $"x[{j - S}]")}");
                }
            }
        }
    }

    internal static LstmCell<double> Lstm(Random rng, int n, int u, Activation act, Activation rec, bool bias = true) =>
        new(n, u, CellTestMath.Random(rng, n * 4 * u, 0.7), CellTestMath.Random(rng, u * 4 * u, 0.7), bias ? CellTestMath.Random(rng, 4 * u, 0.4) : null, act, rec);

    internal static GruCell<double> Gru(Random rng, int n, int u, bool resetAfter) =>
        new(n, u, CellTestMath.Random(rng, n * 3 * u, 0.7), CellTestMath.Random(rng, u * 3 * u, 0.7), CellTestMath.Random(rng, 3 * u, 0.4),
            resetAfter ? CellTestMath.Random(rng, 3 * u, 0.4) : null, resetAfter, Tanh, Sigmoid);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 4, 3)]
    [InlineData(2, 2, 5)]
    public void Lstm_TanhSigmoid(int batch, int n, int u)
    {
        var rng = new Random(11 * n + u);
        var cell = Lstm(rng, n, u, Tanh, Sigmoid);
        CheckAgainstFiniteDifferences(new CellJacobian<double>(cell), ViaCell(cell), batch, rng);
    }

    [Theory]
    [InlineData(ActivationKind.Relu, ActivationKind.HardSigmoid)]
    [InlineData(ActivationKind.Linear, ActivationKind.HardSigmoidKeras3)]
    [InlineData(ActivationKind.Tanh, ActivationKind.Tanh)]
    public void Lstm_OtherActivations(ActivationKind act, ActivationKind rec)
    {
        // random points lie off the kinks of relu / hard_sigmoid (distance > h with probability ≈ 1 − 1e-5)
        var rng = new Random((int)act * 7 + (int)rec);
        var cell = Lstm(rng, 3, 3, new Activation(act), new Activation(rec), bias: false);
        CheckAgainstFiniteDifferences(new CellJacobian<double>(cell), ViaCell(cell), 2, rng);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gru_BothResetAfterVariants(bool resetAfter)
    {
        var rng = new Random(resetAfter ? 5 : 6);
        var cell = Gru(rng, 3, 4, resetAfter);
        CheckAgainstFiniteDifferences(new CellJacobian<double>(cell), ViaCell(cell), 3, rng);
    }

    [Fact]
    public void SimpleRnn_Tanh()
    {
        var rng = new Random(3);
        var cell = new SimpleRnnCell<double>(4, 5, CellTestMath.Random(rng, 20, 0.7), CellTestMath.Random(rng, 25, 0.7), CellTestMath.Random(rng, 5, 0.3), Tanh);
        CheckAgainstFiniteDifferences(new CellJacobian<double>(cell), ViaCell(cell), 2, rng);
    }

    [Fact]
    public void SimpleRnn_Linear_IsExactlyTheTransposedWeights()
    {
        // h′ = x·W + h·U + b: ∂h′ᵢ/∂hⱼ = U[j, i] and ∂h′ᵢ/∂xₘ = W[m, i], with no rounding at all
        var rng = new Random(4);
        int n = 3, u = 4;
        var W = CellTestMath.Random(rng, n * u, 1);
        var U = CellTestMath.Random(rng, u * u, 1);
        var jac = new CellJacobian<double>(new SimpleRnnCell<double>(n, u, W, U, CellTestMath.Random(rng, u, 1), Activation.Linear));
        var js = new double[u * u];
        var jx = new double[u * n];
        jac.Step(1, CellTestMath.Random(rng, n, 1), CellTestMath.Random(rng, u, 1), new double[u], new double[u], js, jx);
        for (int i = 0; i < u; i++)
        {
            for (int j = 0; j < u; j++) Assert.Equal(U[j * u + i], js[i * u + j]);
            for (int m = 0; m < n; m++) Assert.Equal(W[m * u + i], jx[i * n + m]);
        }
    }

    [Fact]
    public void Stacked_LstmThenGru()
    {
        var rng = new Random(8);
        var cell = new StackedCells<double>([Lstm(rng, 3, 4, Tanh, Sigmoid), Gru(rng, 4, 2, true)]);
        CheckAgainstFiniteDifferences(new CellJacobian<double>(cell), ViaCell(cell), 2, rng);
    }

    [Fact]
    public void SLstm_AgainstDirectEquations()
    {
        var rng = new Random(9);
        int n = 3, u = 4;
        var W = CellTestMath.Random(rng, n * 2 * u, 0.8);
        var R = CellTestMath.Random(rng, u * 2 * u, 0.8);
        var B = CellTestMath.Random(rng, 2 * u, 0.4);
        var ctx = new CustomCellContext(SLstmCell.KerasClassName, JObject.FromObject(new { units = u }), n);
        var cell = CellTestMath.Loaded(ctx, c => new SLstmCell(c),
            new WeightTensor("rnn/slstm_cell/kernel:0", [n, 2 * u], W),
            new WeightTensor("rnn/slstm_cell/recurrent_kernel:0", [u, 2 * u], R),
            new WeightTensor("rnn/slstm_cell/bias:0", [2 * u], B));
        var jac = CellJacobian<double>.ForCustomCell(cell, n);
        StepFunction direct = (s, x) =>
        {
            var (h, c) = SLstmReference.Step(x, s[..u], s[u..], W, R, B, n, u);
            return ([.. h, .. c], h);
        };
        // the values come from the cell (a different summation order), so compare them with the FD tolerance too
        CheckLoosely(jac, direct, 3, rng);
    }

    /// <summary>Like <see cref="CheckAgainstFiniteDifferences"/>, for a reference whose values may differ from the cell's in the last bits.</summary>
    private static void CheckLoosely(CellJacobian<double> jac, StepFunction f, int batch, Random rng)
    {
        int S = jac.StateSize, I = jac.InputSize, O = jac.OutputSize;
        var states = CellTestMath.Random(rng, batch * S, 0.8);
        var inputs = CellTestMath.Random(rng, batch * I, 1.2);
        var next = new double[batch * S];
        var js = new double[batch * S * S];
        var jx = new double[batch * S * I];
        var jy = new double[batch * O * S];
        jac.Step(batch, inputs, states, next, new double[batch * O], js, jx, jy);
        for (int b = 0; b < batch; b++)
        {
            var s0 = states.AsSpan(b * S, S).ToArray();
            var x0 = inputs.AsSpan(b * I, I).ToArray();
            var (fs, _) = f(s0, x0);
            for (int i = 0; i < S; i++) CellTestMath.AssertClose(fs[i], next[b * S + i], 1e-14, $"row {b}: s′[{i}]");
            for (int j = 0; j < S + I; j++)
            {
                var sp = (double[])s0.Clone(); var sm = (double[])s0.Clone();
                var xp = (double[])x0.Clone(); var xm = (double[])x0.Clone();
                if (j < S) { sp[j] += H; sm[j] -= H; } else { xp[j - S] += H; xm[j - S] -= H; }
                var (ps, py) = f(sp, xp);
                var (ms, my) = f(sm, xm);
                for (int i = 0; i < S; i++)
                    CellTestMath.AssertClose((ps[i] - ms[i]) / (2 * H), j < S ? js[b * S * S + i * S + j] : jx[b * S * I + i * I + j - S], Tolerance, $"row {b}: ∂s′[{i}]/∂[{j}]");
                if (j < S)
                    for (int i = 0; i < O; i++)
                        CellTestMath.AssertClose((py[i] - my[i]) / (2 * H), jy[b * O * S + i * S + j], Tolerance, $"row {b}: ∂y[{i}]/∂s[{j}]");
            }
        }
    }

    [Fact]
    public void Henon_AgainstDirectMap()
    {
        const double a = 1.4, b = 0.3;
        var jac = CellJacobian<double>.ForCustomCell(new HenonCell(a, b), 1);
        StepFunction direct = (s, _) => ([1 - a * s[0] * s[0] + s[1], b * s[0]], [1 - a * s[0] * s[0] + s[1], b * s[0]]);
        CheckLoosely(jac, direct, 4, new Random(10));
    }

    [Fact]
    public void Henon_JacobianIsBitExactAnalyticForm()
    {
        // forward mode on x·x gives tangent fl(a·x) + fl(a·x) = 2·fl(a·x) exactly, which is −2·a·x as the test computes it
        const double a = 1.4, b = 0.3;
        var jac = CellJacobian<double>.ForCustomCell(new HenonCell(a, b), 0);
        var rng = new Random(12);
        for (int k = 0; k < 100; k++)
        {
            double[] s = [rng.NextDouble() * 2 - 1, rng.NextDouble() * 0.6 - 0.3];
            var js = new double[4];
            jac.Step(1, [], s, new double[2], new double[2], js);
            Assert.Equal([-2 * a * s[0], 1, b, 0], js);
        }
    }

    [Fact]
    public void SuppliedJacobian_IsUsedInsteadOfDualNumbers()
    {
        var cell = new HenonWithSuppliedJacobian();
        var jac = CellJacobian<double>.ForCustomCell(cell, 0);
        var js = new double[4];
        jac.Step(1, [], [0.5, 0.1], new double[2], new double[2], js);
        Assert.Equal(1, cell.Calls);
        Assert.Equal([42, 1, 0.3, 0], js); // the supplied (deliberately marked) entry, not the dual-number one (−1.4)
    }

    private sealed class HenonWithSuppliedJacobian : CustomCell
    {
        private readonly HenonCell _map = new();
        public int Calls { get; private set; }
        public override IReadOnlyList<int> StateSizes => _map.StateSizes;
        public override int OutputSize => 2;
        public override void Step<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, CellStates<T> newStates, Span<T> output, Span<T> scratch) =>
            _map.Step(batch, inputs, states, newStates, output, scratch);
        public override bool TryJacobian<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, Span<T> stateJacobian,
            Span<T> inputJacobian, Span<T> outputStateJacobian, Span<T> outputInputJacobian)
        {
            Calls++;
            stateJacobian[0] = T.CreateTruncating(42);
            stateJacobian[1] = T.One;
            stateJacobian[2] = T.CreateTruncating(0.3);
            stateJacobian[3] = T.Zero;
            return true;
        }
    }

    [Fact]
    public void WrongSpanLength_IsInvalidArgument()
    {
        var jac = CellJacobian<double>.ForCustomCell(new HenonCell(), 0);
        var e = Assert.Throws<InvalidModelArgumentException>(() => jac.Step(1, [], [0.1, 0.2], new double[2], new double[2], new double[3]));
        Assert.Contains("stateJacobian", e.Message);
    }
}
