using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Kernels;
using KerasPort.Compute.Recurrent;
using KerasPort.Tests.Infrastructure;

namespace KerasPort.Tests.Recurrent;

/// <summary>
/// The fused whole-sequence GRU (reset_after=True) and SimpleRNN kernels (<see cref="GruStepKernel"/>,
/// <see cref="SimpleRnnStepKernel"/>) that <see cref="RnnDriver.Run{T}"/> takes for unmasked sequences: against a
/// straight-loop double-precision evaluation of Keras's equations written here (no code shared with the kernels), over
/// odd sizes around the vector widths, batches 1..9, go_backwards, sequence output, initial states and activations
/// other than tanh / sigmoid; the two-thread splits (unit blocks step by step, batch rows) bit-identical to
/// the one-thread run, also with concurrent callers. Without SIMD (DOTNET_EnableHWIntrinsic=0) the same cases run the
/// generic cells against the same reference.
/// </summary>
[Trait("Category", "Recurrent")]
public class FusedSequenceTests
{
    private static readonly Activation Tanh = new(ActivationKind.Tanh), Sigmoid = new(ActivationKind.Sigmoid);

    /// <summary>Activation pairs (activation, recurrent_activation) by index, with their double-precision formulas.</summary>
    private static (Activation act, Activation rec, Func<double, double> f, Func<double, double> g) Activations(int index) => index switch
    {
        0 => (Tanh, Sigmoid, Math.Tanh, Sig),
        1 => (new Activation(ActivationKind.Relu), new Activation(ActivationKind.HardSigmoid), x => Math.Max(0, x), x => Math.Clamp(0.2 * x + 0.5, 0, 1)),
        2 => (new Activation(ActivationKind.Softsign), new Activation(ActivationKind.HardSigmoidKeras3), x => x / (1 + Math.Abs(x)), x => Math.Clamp(x + 3, 0, 6) / 6),
        _ => (Activation.Linear, Sigmoid, x => x, Sig),
    };

    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));

    private static double[] Random(Random rng, int n, double scale)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static T[] Of<T>(double[] a) where T : IFloatingPointIeee754<T> => a.Select(T.CreateTruncating).ToArray();

    /// <summary>
    /// Keras GRU, reset_after=True (gates z, r, h): x_g = x·W_g + b_g, z = g(x_z + h·U_z + b'_z), r = g(x_r + h·U_r + b'_r),
    /// ĥ = f(x_h + r·(h·U_h + b'_h)), h' = z·h + (1 − z)·ĥ. Returns the sequence (processed order) and the final h.
    /// </summary>
    private static (double[] seq, double[] h) ReferenceGru(double[] x, int batch, int time, int inSize, int u, double[] W, double[] U,
        double[] bIn, double[] bRec, double[] h0, bool backwards, Func<double, double> f, Func<double, double> g)
    {
        var seq = new double[batch * time * u];
        var final = new double[batch * u];
        for (int b = 0; b < batch; b++)
        {
            var h = h0.AsSpan(b * u, u).ToArray();
            for (int s = 0; s < time; s++)
            {
                int t = backwards ? time - 1 - s : s;
                var next = new double[u];
                for (int j = 0; j < u; j++)
                {
                    var xg = new double[3];
                    var hg = new double[3];
                    for (int gate = 0; gate < 3; gate++)
                    {
                        int col = gate * u + j;
                        double sx = bIn[col], sh = bRec[col];
                        for (int p = 0; p < inSize; p++) sx += x[(b * time + t) * inSize + p] * W[p * 3 * u + col];
                        for (int p = 0; p < u; p++) sh += h[p] * U[p * 3 * u + col];
                        xg[gate] = sx;
                        hg[gate] = sh;
                    }
                    double z = g(xg[0] + hg[0]);
                    double r = g(xg[1] + hg[1]);
                    double hh = f(xg[2] + r * hg[2]);
                    next[j] = z * h[j] + (1 - z) * hh;
                }
                h = next;
                Array.Copy(h, 0, seq, (b * time + s) * u, u);
            }
            Array.Copy(h, 0, final, b * u, u);
        }
        return (seq, final);
    }

    /// <summary>Keras SimpleRNN: h' = f(x·W + b + h·U).</summary>
    private static (double[] seq, double[] h) ReferenceSimpleRnn(double[] x, int batch, int time, int inSize, int u, double[] W, double[] U,
        double[] bias, double[] h0, bool backwards, Func<double, double> f)
    {
        var seq = new double[batch * time * u];
        var final = new double[batch * u];
        for (int b = 0; b < batch; b++)
        {
            var h = h0.AsSpan(b * u, u).ToArray();
            for (int s = 0; s < time; s++)
            {
                int t = backwards ? time - 1 - s : s;
                var next = new double[u];
                for (int j = 0; j < u; j++)
                {
                    double sum = bias[j];
                    for (int p = 0; p < inSize; p++) sum += x[(b * time + t) * inSize + p] * W[p * u + j];
                    for (int p = 0; p < u; p++) sum += h[p] * U[p * u + j];
                    next[j] = f(sum);
                }
                h = next;
                Array.Copy(h, 0, seq, (b * time + s) * u, u);
            }
            Array.Copy(h, 0, final, b * u, u);
        }
        return (seq, final);
    }

    /// <summary>|actual − expected| ≤ tolerance·(1 + |expected|), with the case named.</summary>
    private static void Near<T>(double[] expected, T[] actual, double tolerance, string what) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            if (!(Math.Abs(a - expected[i]) <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: got {a:R}, expected {expected[i]:R} (tolerance {tolerance})");
        }
    }

    public static TheoryData<int, int, int, int, bool, int> OddSizes() => new()
    {
        // batch, time, features, units, go_backwards, activation pair
        { 1, 3, 1, 1, false, 0 },
        { 2, 4, 67, 3, true, 1 },
        { 3, 5, 5, 15, false, 2 },
        { 4, 3, 16, 16, false, 3 },
        { 5, 6, 9, 17, true, 0 },
        { 6, 2, 33, 31, false, 1 },
        { 7, 3, 2, 33, false, 0 },
        { 8, 2, 12, 67, true, 2 },
        { 9, 4, 7, 48, false, 0 },
        { 1, 5, 64, 65, true, 1 },
        { 1, 7, 3, 64, false, 0 },
        { 13, 2, 3, 8, false, 3 },
    };

    [Theory]
    [MemberData(nameof(OddSizes))]
    public void Gru_ResetAfter_OddSizes_FloatAndDouble_MatchDirectEquations(int batch, int time, int inSize, int u, bool backwards, int activations)
    {
        var rng = new Random(batch * 1000 + time * 100 + inSize * 10 + u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * 3 * u, 1.0 / Math.Sqrt(inSize));
        var U = Random(rng, u * 3 * u, 1.0 / Math.Sqrt(u));
        var bIn = Random(rng, 3 * u, 0.5);
        var bRec = Random(rng, 3 * u, 0.5);
        var h0 = Random(rng, batch * u, 0.5);
        var (act, rec, f, g) = Activations(activations);
        var (seq, hRef) = ReferenceGru(x, batch, time, inSize, u, W, U, bIn, bRec, h0, backwards, f, g);

        void Check<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var cell = new GruCell<T>(inSize, u, Of<T>(W), Of<T>(U), Of<T>(bIn), Of<T>(bRec), true, act, rec);
            Assert.Equal(GemmLayout.Width != SimdWidth.Scalar, cell.Packed is not null);
            RunAndCheck(cell, Of<T>(x), batch, time, u, backwards, Of<T>(h0), seq, hRef, tolerance);
        }

        Check<double>(1e-12);
        Check<float>(2e-5);
    }

    [Theory]
    [MemberData(nameof(OddSizes))]
    public void SimpleRnn_OddSizes_FloatAndDouble_MatchDirectEquations(int batch, int time, int inSize, int u, bool backwards, int activations)
    {
        var rng = new Random(batch * 1000 + time * 100 + inSize * 10 + u + 7);
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * u, 1.0 / Math.Sqrt(inSize));
        var U = Random(rng, u * u, 0.9 / Math.Sqrt(u));
        var bias = Random(rng, u, 0.5);
        var h0 = Random(rng, batch * u, 0.5);
        var (act, _, f, _) = Activations(activations);
        var (seq, hRef) = ReferenceSimpleRnn(x, batch, time, inSize, u, W, U, bias, h0, backwards, f);

        void Check<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var cell = new SimpleRnnCell<T>(inSize, u, Of<T>(W), Of<T>(U), Of<T>(bias), act);
            Assert.Equal(GemmLayout.Width != SimdWidth.Scalar, cell.Packed is not null);
            RunAndCheck(cell, Of<T>(x), batch, time, u, backwards, Of<T>(h0), seq, hRef, tolerance);
        }

        Check<double>(1e-12);
        Check<float>(2e-5);
    }

    /// <summary>Runs with and without the sequence output (reusing the workspace) and checks sequence, states, last and carried outputs.</summary>
    private static void RunAndCheck<T>(IRecurrentCell<T> cell, T[] x, int batch, int time, int u, bool backwards, T[] h0,
        double[] seq, double[] hRef, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ws = new RnnWorkspace<T>();
        var states = (T[])h0.Clone();
        var outSeq = new T[batch * time * u];
        var last = new T[batch * u];
        var carried = new T[batch * u];
        RnnDriver.Run<T>(cell, x, batch, time, [], backwards, false, states, outSeq, last, ws, carried);
        Near(seq, outSeq, tolerance, "sequence");
        Near(hRef, states, tolerance, "state");
        Near(hRef, last, tolerance, "last output");
        Near(hRef, carried, tolerance, "carried output");
        var states2 = (T[])h0.Clone();
        var last2 = new T[batch * u];
        RnnDriver.Run<T>(cell, x, batch, time, [], backwards, false, states2, [], last2, ws);
        Assert.Equal(states, states2);
        Assert.Equal(last, last2);
    }

    /// <summary>
    /// The fused kernels sum h·U, add the recurrent bias and the projection in the order the generic cells' GEMM and gate
    /// kernels do, with the same one-row rule for batch tiles, so a masked run (generic driver) and an unmasked one agree
    /// bit for bit: checked against <see cref="RnnDriver.RunSteps{T}"/> on the same cells (units within one GEMM k-block).
    /// </summary>
    [Theory]
    [InlineData(1, 6, 5, 16, false)]
    [InlineData(2, 5, 9, 33, true)]
    [InlineData(7, 4, 70, 40, false)]
    [InlineData(13, 3, 4, 67, true)]
    [InlineData(6, 4, 8, 130, false)]
    public void Fused_MatchesGenericDriverBitForBit(int batch, int time, int inSize, int u, bool backwards)
    {
        var rng = new Random(batch + 31 * u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var h0 = Random(rng, batch * u, 0.5);
        var gru = new GruCell<float>(inSize, u, Of<float>(Random(rng, inSize * 3 * u, 0.3)), Of<float>(Random(rng, u * 3 * u, 0.2)),
            Of<float>(Random(rng, 3 * u, 0.4)), Of<float>(Random(rng, 3 * u, 0.4)), true, Tanh, Sigmoid);
        var rnn = new SimpleRnnCell<double>(inSize, u, Random(rng, inSize * u, 0.3), Random(rng, u * u, 0.15), Random(rng, u, 0.4), Tanh);
        Same(gru, Of<float>(x), Of<float>(h0));
        Same(rnn, x, h0);

        void Same<T>(IRecurrentCell<T> cell, T[] xs, T[] hs) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] s1 = (T[])hs.Clone(), q1 = new T[batch * time * u], l1 = new T[batch * u];
            T[] s2 = (T[])hs.Clone(), q2 = new T[batch * time * u], l2 = new T[batch * u];
            RnnDriver.RunSteps<T>(cell, xs, batch, time, [], backwards, false, s1, q1, l1, new RnnWorkspace<T>(), default);
            RnnDriver.Run<T>(cell, xs, batch, time, [], backwards, false, s2, q2, l2, new RnnWorkspace<T>());
            Assert.Equal(q1, q2);
            Assert.Equal(s1, s2);
            Assert.Equal(l1, l2);
        }
    }

    /// <summary>
    /// GRU batch steps whose sums fit the step tile (<see cref="RecurrentPanels.SumsWholeStep"/>) sum every block before the
    /// gate code; larger ones run tile by tile. Rows are independent, so a batch too large for the step tile and its two
    /// halves, each small enough, give the same bits row for row (the two orders compute the same operations on every
    /// lane), and the direct equations' values.
    /// </summary>
    [Theory]
    [InlineData(96, 5, false)]
    [InlineData(40, 3, true)]
    public void Gru_StepTile_And_TileByTile_GiveTheSameBits_AndMatchDirectEquations(int u, int inSize, bool backwards)
    {
        const int time = 7;
        var rng = new Random(u * 7 + inSize);
        var W = Random(rng, inSize * 3 * u, 0.3);
        var U = Random(rng, u * 3 * u, 1.0 / Math.Sqrt(u));
        var bIn = Random(rng, 3 * u, 0.4);
        var bRec = Random(rng, 3 * u, 0.4);
        var gru = GruPacked<float>.Create(inSize, u, Of<float>(W), Of<float>(U), Of<float>(bIn), Of<float>(bRec), Tanh, Sigmoid);
        if (gru is null)
        {
            Assert.Equal(SimdWidth.Scalar, GemmLayout.Width);
            return;
        }
        int half = Math.Max(2, RecurrentPanels.StepTileMaxBytes / (gru.Blocks * 3 * gru.Lanes * sizeof(float))), batch = 2 * half;
        Assert.True(RecurrentPanels.SumsWholeStep(half, gru.Blocks, 3, gru.Lanes, sizeof(float)));
        Assert.False(RecurrentPanels.SumsWholeStep(batch, gru.Blocks, 3, gru.Lanes, sizeof(float)));
        var x = Random(rng, batch * time * inSize, 1.0);
        var h0 = Random(rng, batch * u, 0.5);
        var whole = RunFused(gru, Policy("serial"), inSize, Of<float>(x), batch, time, backwards, Of<float>(h0));
        var top = RunFused(gru, Policy("serial"), inSize, Of<float>(x[..(half * time * inSize)]), half, time, backwards, Of<float>(h0[..(half * u)]));
        var bottom = RunFused(gru, Policy("serial"), inSize, Of<float>(x[(half * time * inSize)..]), half, time, backwards, Of<float>(h0[(half * u)..]));
        Assert.Equal(whole.seq, top.seq.Concat(bottom.seq).ToArray());
        Assert.Equal(whole.last, top.last.Concat(bottom.last).ToArray());
        var (seqRef, _) = ReferenceGru(x, batch, time, inSize, u, W, U, bIn, bRec, h0, backwards, Math.Tanh, Sig);
        for (int i = 0; i < seqRef.Length; i++) Assert.Equal(seqRef[i], whole.seq[i], 2e-5);
    }

    /// <summary>Serial, unit-block split and batch-row split policies, for <see cref="FusedSequenceRunner.Run{T}"/>.</summary>
    private static FusedSplitPolicy Policy(string mode) => mode switch
    {
        "serial" => new FusedSplitPolicy { MinimumWork = long.MaxValue, MinimumStepWork = long.MaxValue, BatchSplitMaximumRecurrentBytes = -1 },
        "units" => new FusedSplitPolicy { MinimumWork = 0, MinimumStepWork = 0, BatchSplitMaximumRecurrentBytes = -1, Forced = true },
        _ => new FusedSplitPolicy { MinimumWork = 0, MinimumStepWork = long.MaxValue, BatchSplitMaximumRecurrentBytes = long.MaxValue, Forced = true },
    };

    private static (float[] states, float[] seq, float[] last) RunFused(IFusedSequence<float> w, FusedSplitPolicy policy, int inSize, float[] x,
        int batch, int time, bool backwards, float[] h0, RnnWorkspace<float>? ws = null, Action<FusedSequenceJob<float>>? execute = null)
    {
        var states = (float[])h0.Clone();
        var seq = new float[batch * time * w.Units];
        var last = new float[batch * w.Units];
        FusedSequenceRunner.Run<float>(w, policy, inSize, x, batch, time, backwards, states, seq, last, ws ?? new RnnWorkspace<float>(), default, execute);
        return (states, seq, last);
    }

    /// <summary>
    /// The split job's parts driven directly: the leader alone (the helper never comes), a helper that joins late, and
    /// a leader that starts late; unit and batch-row splits, and a unit split whose items project their own columns of
    /// each step (asserted). Every schedule gives the serial result bit for bit (the leader does whatever the helper has
    /// not claimed).
    /// </summary>
    [Theory]
    [InlineData(1, 300, 130, "units", 7, false)]
    [InlineData(2, 200, 67, "units", 7, false)]
    [InlineData(8, 120, 40, "rows", 7, false)]
    [InlineData(4, 150, 150, "units", 40, true)] // each step's items project their own columns
    public void SplitJob_AnySchedule_GivesTheSerialResult(int batch, int time, int u, string mode, int inSize, bool stepColumns)
    {
        var rng = new Random(u + batch);
        var gru = GruPacked<float>.Create(inSize, u, Of<float>(Random(rng, inSize * 3 * u, 0.3)), Of<float>(Random(rng, u * 3 * u, 0.15)),
            Of<float>(Random(rng, 3 * u, 0.4)), Of<float>(Random(rng, 3 * u, 0.4)), Tanh, Sigmoid);
        if (gru is null) return; // no SIMD: no fused kernel
        var x = Of<float>(Random(rng, batch * time * inSize, 1.0));
        var h0 = Of<float>(Random(rng, batch * u, 0.5));
        var serial = RunFused(gru, Policy("serial"), inSize, x, batch, time, false, h0);
        void Same((float[] states, float[] seq, float[] last) run)
        {
            Assert.Equal(serial.seq, run.seq);
            Assert.Equal(serial.states, run.states);
            Assert.Equal(serial.last, run.last);
        }
        foreach (var schedule in PairSchedules.All)
            Same(RunFused(gru, Policy(mode), inSize, x, batch, time, false, h0, execute: job =>
            {
                Assert.Equal(stepColumns, job.ProjectsSteps);
                schedule(job);
            }));
    }

    /// <summary>Two stalled led runs in a row make two-thread runs back off for a while; a clean one resets the back-off length.</summary>
    [Fact]
    public void PairContention_BacksOffAfterRepeatedStalls()
    {
        long stall = System.Diagnostics.Stopwatch.Frequency / 1000;
        for (int i = 0; i < 6; i++) PairContention.Report(longestWait: stall, limit: 100);
        Assert.True(PairContention.BackingOff); // the fifth back-off in a row lasts 160 ms
        PairContention.Report(longestWait: 10, limit: 1_000_000); // clean: the next back-off is short again
    }

    /// <summary>
    /// A batch whose whole-sequence projection is larger than L2 runs serially with its projection computed step by step
    /// as the steps reach it (<see cref="StepwiseProjection{T}"/>), in a buffer of one step's rows: the direct equations'
    /// values, and the bits of the two-thread runs, which project the whole sequence first (unit split) or, in parts too
    /// small for it, per part.
    /// </summary>
    [Theory]
    [InlineData(true, 4, 230, 64, 96, false)]
    [InlineData(true, 5, 230, 64, 96, true)]
    [InlineData(false, 4, 420, 128, 160, true)]
    public void StepwiseProjection_IsBitIdenticalToWholeSequenceProjection_AndMatchesDirectEquations(bool isGru, int batch, int time, int inSize, int u, bool backwards)
    {
        var rng = new Random(batch * 13 + u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var h0 = Random(rng, batch * u, 0.5);
        int gates = isGru ? 3 : 1;
        var W = Random(rng, inSize * gates * u, 0.2);
        var U = Random(rng, u * gates * u, 0.1);
        var bIn = Random(rng, gates * u, 0.4);
        var bRec = Random(rng, gates * u, 0.4);
        IFusedSequence<float>? w = isGru
            ? GruPacked<float>.Create(inSize, u, Of<float>(W), Of<float>(U), Of<float>(bIn), Of<float>(bRec), Tanh, Sigmoid)
            : SimpleRnnPacked<float>.Create(inSize, u, Of<float>(W), Of<float>(U), Of<float>(bIn), Tanh);
        if (w is null)
        {
            Assert.Equal(SimdWidth.Scalar, GemmLayout.Width);
            return;
        }
        Assert.True(StepwiseProjection<float>.Applies(batch, time, inSize, w.ProjectionWidth));
        var (seqRef, hRef) = isGru
            ? ReferenceGru(x, batch, time, inSize, u, W, U, bIn, bRec, h0, backwards, Math.Tanh, Sig)
            : ReferenceSimpleRnn(x, batch, time, inSize, u, W, U, bIn, h0, backwards, Math.Tanh);
        var xf = Of<float>(x);
        var hf = Of<float>(h0);
        SerialMatchesDirectEquationsAndSplitsMatchSerial(w, seqRef, hRef, inSize, xf, batch, time, backwards, hf);
        // the buffer the runs ask for: one step's rows, serially and in the unit split (whose items project their
        // columns of each step: these blocks split on a panel boundary)
        Assert.True(FusedSequenceJob<float>.ProjectsStepsOf(w, batch, time, inSize));
        int pw = w.ProjectionWidth, pad = 64 / sizeof(float);
        foreach (var mode in new[] { "serial", "units" })
        {
            var workspace = new RnnWorkspace<float>();
            RunFused(w, Policy(mode), inSize, xf, batch, time, backwards, hf, workspace);
            Assert.InRange(workspace.ProjectionCapacity, batch * pw, batch * pw + pad);
        }
    }

    /// <summary>
    /// The unit split of a step-by-step projection cuts the blocks where a packed panel of the kernel starts (each side
    /// projects its own columns), at the block nearest the middle that does, found here by trying every block: GRU blocks
    /// (3·L columns) against panels of 4·L, SimpleRNN blocks (4·L) on every block.
    /// </summary>
    [Theory]
    [InlineData(true, 96)]
    [InlineData(true, 150)]
    [InlineData(true, 512)]
    [InlineData(true, 20)]
    [InlineData(false, 160)]
    [InlineData(false, 300)]
    public void StepColumnsSplit_IsThePanelBoundaryBlockNearestTheMiddle(bool isGru, int u)
    {
        const int inSize = 5;
        var rng = new Random(u);
        int gates = isGru ? 3 : 1;
        IFusedSequence<float>? w = isGru
            ? GruPacked<float>.Create(inSize, u, Of<float>(Random(rng, inSize * 3 * u, 0.2)), Of<float>(Random(rng, u * 3 * u, 0.1)), new float[3 * u], new float[3 * u], Tanh, Sigmoid)
            : SimpleRnnPacked<float>.Create(inSize, u, Of<float>(Random(rng, inSize * gates * u, 0.2)), Of<float>(Random(rng, u * u, 0.1)), new float[u], Tanh);
        if (w is null) return; // no SIMD: no fused kernel
        int columns = w.ProjectionWidth / w.Blocks, nr = w.Kernel.PanelWidth;
        int best = 0;
        for (int b = 1; b < w.Blocks; b++)
            if (b * columns % nr == 0 && (best == 0 || Math.Abs(2 * b - w.Blocks) < Math.Abs(2 * best - w.Blocks))) best = b;
        int split = FusedSequenceKernel.StepColumnsSplit(w);
        if (best == 0) Assert.Equal(0, split);
        else Assert.Equal(Math.Abs(2 * best - w.Blocks), Math.Abs(2 * split - w.Blocks)); // as near (a tie either way)
        if (split > 0) Assert.Equal(0, split * columns % nr);
    }

    /// <summary>The one-thread run against the direct equations' values, then each two-thread policy against it bit for bit.</summary>
    private static void SerialMatchesDirectEquationsAndSplitsMatchSerial(IFusedSequence<float> w, double[] seqRef, double[] hRef, int inSize, float[] xf,
        int batch, int time, bool backwards, float[] hf)
    {
        var serial = RunFused(w, Policy("serial"), inSize, xf, batch, time, backwards, hf);
        Near(seqRef, serial.seq, 2e-5, "sequence");
        Near(hRef, serial.states, 2e-5, "state");
        foreach (var mode in new[] { "units", "rows" })
        {
            var split = RunFused(w, Policy(mode), inSize, xf, batch, time, backwards, hf);
            Assert.Equal(serial.seq, split.seq);
            Assert.Equal(serial.states, split.states);
            Assert.Equal(serial.last, split.last);
        }
    }

    /// <summary>
    /// Two-thread runs (unit blocks shared step by step; batch rows split where a tile-preserving split point
    /// exists) give exactly the one-thread result and the direct equations' values: odd units, odd batches, backwards,
    /// an input wider than one GEMM k-block (projection rows split on a tile boundary).
    /// </summary>
    [Theory]
    [InlineData(1, 40, 9, 67, false)]
    [InlineData(2, 33, 300, 50, true)]
    [InlineData(3, 25, 5, 130, false)]
    [InlineData(8, 20, 7, 33, true)]
    [InlineData(9, 17, 4, 96, false)]
    [InlineData(64, 9, 3, 20, false)]
    public void TwoThreadSplits_AreBitIdenticalToSerial_AndMatchDirectEquations(int batch, int time, int inSize, int u, bool backwards)
    {
        var rng = new Random(batch * 7 + u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var h0 = Random(rng, batch * u, 0.5);
        var W = Random(rng, inSize * 3 * u, 0.3);
        var U = Random(rng, u * 3 * u, 0.15);
        var bIn = Random(rng, 3 * u, 0.4);
        var bRec = Random(rng, 3 * u, 0.4);
        var gru = GruPacked<float>.Create(inSize, u, Of<float>(W), Of<float>(U), Of<float>(bIn), Of<float>(bRec), Tanh, Sigmoid);
        var Wr = Random(rng, inSize * u, 0.3);
        var Ur = Random(rng, u * u, 0.15);
        var br = Random(rng, u, 0.4);
        var rnn = SimpleRnnPacked<float>.Create(inSize, u, Of<float>(Wr), Of<float>(Ur), Of<float>(br), Tanh);
        if (gru is null || rnn is null)
        {
            Assert.Equal(SimdWidth.Scalar, GemmLayout.Width); // the fused kernels exist whenever SIMD does
            return;
        }
        var xf = Of<float>(x);
        var hf = Of<float>(h0);
        var (gruSeq, gruH) = ReferenceGru(x, batch, time, inSize, u, W, U, bIn, bRec, h0, backwards, Math.Tanh, Sig);
        var (rnnSeq, rnnH) = ReferenceSimpleRnn(x, batch, time, inSize, u, Wr, Ur, br, h0, backwards, Math.Tanh);
        foreach (var (w, seqRef, hRef) in new (IFusedSequence<float>, double[], double[])[] { (gru, gruSeq, gruH), (rnn, rnnSeq, rnnH) })
            SerialMatchesDirectEquationsAndSplitsMatchSerial(w, seqRef, hRef, inSize, xf, batch, time, backwards, hf);
    }

    /// <summary>
    /// Batch-row split points leave two rows or more in each part (a lone row sums in two chains), as near the middle as
    /// that allows; projection splits fall on whole MR-row tiles.
    /// </summary>
    [Fact]
    public void BatchSplitPoint_LeavesTwoRowsAPart()
    {
        int mr = GemmLayout.MR;
        Assert.Equal(32, FusedSequenceJob<float>.ChooseBatchSplit(64, 10, 8));
        Assert.Equal(0, FusedSequenceJob<float>.ChooseBatchSplit(2, 10, 8)); // a lone row per half would sum in two chains
        Assert.Equal(0, FusedSequenceJob<float>.ChooseBatchSplit(3, 10, 8));
        foreach (int batch in new[] { 4, 5, 7, 8, 9, 13, 19 })
            foreach (int time in new[] { 1, 5, 7, 100 })
                Assert.Equal(batch / 2, FusedSequenceJob<float>.ChooseBatchSplit(batch, time, 8));
        foreach (int rows in new[] { 1, 7, 13, 100, 401 })
        {
            int r0 = FusedSequenceJob<float>.ProjectionSplit(rows, 8);
            Assert.Equal(0, r0 % mr);
            Assert.InRange(r0, 0, rows);
        }
        Assert.Equal(0, FusedSequenceJob<float>.ProjectionSplit(13, 300)); // k-blocked: each part needs more than MR rows
        Assert.Equal(48, FusedSequenceJob<float>.ProjectionSplit(100, 300));
    }

    /// <summary>
    /// Eight callers on one GRU, each with its own workspace, 20 runs each under the unit-split policy: whoever gets the
    /// pair worker splits, the others run both halves themselves; every result equals the serial one.
    /// </summary>
    [Fact]
    public void ConcurrentCallers_UnitSplit_GetTheSerialResult()
    {
        int batch = 1, time = 60, inSize = 11, u = 70;
        var rng = new Random(5);
        var gru = GruPacked<float>.Create(inSize, u, Of<float>(Random(rng, inSize * 3 * u, 0.3)), Of<float>(Random(rng, u * 3 * u, 0.15)),
            Of<float>(Random(rng, 3 * u, 0.4)), Of<float>(Random(rng, 3 * u, 0.4)), Tanh, Sigmoid);
        if (gru is null) return; // no SIMD: no fused kernel
        var x = Of<float>(Random(rng, batch * time * inSize, 1.0));
        var h0 = new float[batch * u];
        var serial = RunFused(gru, Policy("serial"), inSize, x, batch, time, false, h0);
        var failures = new int[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            var ws = new RnnWorkspace<float>();
            for (int rep = 0; rep < 20; rep++)
            {
                var run = RunFused(gru, Policy("units"), inSize, x, batch, time, false, h0, ws);
                if (!run.seq.AsSpan().SequenceEqual(serial.seq) || !run.states.AsSpan().SequenceEqual(serial.states)) failures[k]++;
            }
        });
        Assert.All(failures, f => Assert.Equal(0, f));
    }

    /// <summary>The fused path applies to reset_after=True with vectorised activations only; other cells keep the generic driver.</summary>
    [Fact]
    public void FusedPath_OnlyWhereItApplies()
    {
        int inSize = 3, u = 5;
        var rng = new Random(3);
        float[] W = Of<float>(Random(rng, inSize * 3 * u, 0.5)), U = Of<float>(Random(rng, u * 3 * u, 0.5)), b = Of<float>(Random(rng, 3 * u, 0.5));
        bool simd = GemmLayout.Width != SimdWidth.Scalar;
        Assert.Equal(simd, new GruCell<float>(inSize, u, W, U, b, b, true, Tanh, Sigmoid).Packed is not null);
        Assert.Null(new GruCell<float>(inSize, u, W, U, b, null, false, Tanh, Sigmoid).Packed);
        Assert.Null(new GruCell<float>(inSize, u, W, U, b, b, true, new Activation(ActivationKind.Gelu), Sigmoid).Packed);
        Assert.Null(new GruCell<float>(inSize, u, W, U, b, b, true, Tanh, new Activation(ActivationKind.Softmax)).Packed);
        Assert.Equal(simd, new GruCell<float>(inSize, u, W, U, null, null, true, Tanh, Sigmoid).Packed is not null); // use_bias=False
        Assert.Null(new SimpleRnnCell<float>(inSize, u, W[..(inSize * u)], U[..(u * u)], null, new Activation(ActivationKind.Softmax)).Packed);
        Assert.Equal(simd, new SimpleRnnCell<float>(inSize, u, W[..(inSize * u)], U[..(u * u)], null, new Activation(ActivationKind.Relu)).Packed is not null);
    }

    /// <summary>use_bias=False: the fused GRU and SimpleRNN run with zero biases (direct equations with zeros).</summary>
    [Fact]
    public void NoBias_MatchesDirectEquations()
    {
        int batch = 3, time = 5, inSize = 6, u = 21;
        var rng = new Random(11);
        var x = Random(rng, batch * time * inSize, 1.0);
        var h0 = Random(rng, batch * u, 0.5);
        var W = Random(rng, inSize * 3 * u, 0.4);
        var U = Random(rng, u * 3 * u, 0.3);
        var zeros = new double[3 * u];
        var (seq, h) = ReferenceGru(x, batch, time, inSize, u, W, U, zeros, zeros, h0, false, Math.Tanh, Sig);
        RunAndCheck(new GruCell<double>(inSize, u, W, U, null, null, true, Tanh, Sigmoid), x, batch, time, u, false, h0, seq, h, 1e-12);
        var (seqR, hR) = ReferenceSimpleRnn(x, batch, time, inSize, u, W[..(inSize * u)], U[..(u * u)], zeros, h0, true, Math.Tanh);
        RunAndCheck(new SimpleRnnCell<double>(inSize, u, W[..(inSize * u)], U[..(u * u)], null, Tanh), x, batch, time, u, true, h0, seqR, hR, 1e-12);
    }
}
