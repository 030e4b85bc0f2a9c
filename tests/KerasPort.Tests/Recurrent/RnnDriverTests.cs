using KerasPort.Compute.Kernels;
using KerasPort.Compute;
using KerasPort.Compute.Recurrent;
using KerasPort.Tests.Infrastructure;

namespace KerasPort.Tests.Recurrent;

/// <summary>
/// The RNN driver and cells against a direct per-sample double-precision evaluation of Keras's equations, written out
/// gate by gate here (no shared code with the cells), including masks, go_backwards and initial states.
/// </summary>
[Trait("Category", "Recurrent")]
public class RnnDriverTests
{
    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));

    private static double[] Random(Random rng, int n, double scale)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>x·W[:, col] for one sample and one column of a (rows, cols) row-major matrix.</summary>
    private static double Dot(double[] x, int xOffset, int len, double[] w, int cols, int col)
    {
        double s = 0;
        for (int k = 0; k < len; k++) s += x[xOffset + k] * w[k * cols + col];
        return s;
    }

    internal static (double[] seq, double[] h, double[] c) ReferenceLstm(double[] x, int batch, int time, int inSize, int u,
        double[] W, double[] U, double[] bias, bool[]? mask, bool backwards, double[]? h0, double[]? c0)
    {
        var seq = new double[batch * time * u];
        var hOut = new double[batch * u];
        var cOut = new double[batch * u];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[u];
            var c = new double[u];
            if (h0 != null) Array.Copy(h0, b * u, h, 0, u);
            if (c0 != null) Array.Copy(c0, b * u, c, 0, u);
            var prevOut = new double[u];
            for (int s = 0; s < time; s++)
            {
                int t = backwards ? time - 1 - s : s;
                bool keep = mask == null || mask[b * time + t];
                var hn = new double[u];
                var cn = new double[u];
                for (int j = 0; j < u; j++)
                {
                    double zi = Dot(x, (b * time + t) * inSize, inSize, W, 4 * u, j) + Dot(h, 0, u, U, 4 * u, j) + bias[j];
                    double zf = Dot(x, (b * time + t) * inSize, inSize, W, 4 * u, u + j) + Dot(h, 0, u, U, 4 * u, u + j) + bias[u + j];
                    double zc = Dot(x, (b * time + t) * inSize, inSize, W, 4 * u, 2 * u + j) + Dot(h, 0, u, U, 4 * u, 2 * u + j) + bias[2 * u + j];
                    double zo = Dot(x, (b * time + t) * inSize, inSize, W, 4 * u, 3 * u + j) + Dot(h, 0, u, U, 4 * u, 3 * u + j) + bias[3 * u + j];
                    cn[j] = Sig(zf) * c[j] + Sig(zi) * Math.Tanh(zc);
                    hn[j] = Sig(zo) * Math.Tanh(cn[j]);
                }
                if (keep) { h = hn; c = cn; prevOut = hn; }
                Array.Copy(prevOut, 0, seq, (b * time + s) * u, u);
            }
            Array.Copy(h, 0, hOut, b * u, u);
            Array.Copy(c, 0, cOut, b * u, u);
        }
        return (seq, hOut, cOut);
    }

    [Theory]
    [InlineData(1, 1, 1, 1, false, false)]
    [InlineData(3, 5, 4, 3, false, false)]
    [InlineData(2, 7, 3, 5, true, false)]
    [InlineData(4, 6, 2, 4, false, true)]
    [InlineData(3, 9, 5, 2, true, true)]
    public void Lstm_MatchesDirectEquations(int batch, int time, int inSize, int u, bool backwards, bool masked)
    {
        var rng = new Random(batch * 100 + time * 10 + u);
        var x = Random(rng, batch * time * inSize, 1.5);
        var W = Random(rng, inSize * 4 * u, 0.8);
        var U = Random(rng, u * 4 * u, 0.8);
        var bias = Random(rng, 4 * u, 0.5);
        var h0 = Random(rng, batch * u, 0.5);
        var c0 = Random(rng, batch * u, 0.5);
        bool[]? mask = null;
        if (masked)
        {
            mask = new bool[batch * time];
            for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextDouble() > 0.35;
        }
        var (seq, hRef, cRef) = ReferenceLstm(x, batch, time, inSize, u, W, U, bias, mask, backwards, h0, c0);

        var sigmoid = new Activation(ActivationKind.Sigmoid);
        var tanh = new Activation(ActivationKind.Tanh);
        var cell = new LstmCell<double>(inSize, u, W, U, bias, tanh, sigmoid);
        var states = new double[2 * batch * u];
        h0.CopyTo(states, 0);
        c0.CopyTo(states, batch * u);
        var outSeq = new double[batch * time * u];
        var last = new double[batch * u];
        RnnDriver.Run<double>(cell, x, batch, time, mask ?? [], backwards, false, states, outSeq, last, new RnnWorkspace<double>());

        for (int i = 0; i < seq.Length; i++) Assert.Equal(seq[i], outSeq[i], 1e-12);
        for (int i = 0; i < hRef.Length; i++)
        {
            Assert.Equal(hRef[i], states[i], 1e-12);
            Assert.Equal(cRef[i], states[batch * u + i], 1e-12);
        }
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < u; j++)
                Assert.Equal(seq[(b * time + time - 1) * u + j], last[b * u + j], 1e-12);
    }

    /// <summary>
    /// The batch-row split is timed against one thread (a <see cref="KerasPort.Compute.Kernels.SplitTuner"/> per workspace):
    /// the first two calls of a workspace take one way each (the tuner's warm-up alternates), both are timed, and both
    /// give the same bits.
    /// </summary>
    [Fact]
    public void Lstm_BatchSplit_IsTimedAgainstOneThread_AndBothWaysGiveTheSameBits()
    {
        const int batch = 8, time = 100, inSize = 8, u = 32;
        Assert.True((long)time * batch * u * 4 * u >= LstmCell<float>.ParallelMinimumWork);
        var rng = new Random(81);
        var x = Random(rng, batch * time * inSize, 1.0).Select(v => (float)v).ToArray();
        var W = Random(rng, inSize * 4 * u, 0.3).Select(v => (float)v).ToArray();
        var U = Random(rng, u * 4 * u, 0.2).Select(v => (float)v).ToArray();
        var bias = Random(rng, 4 * u, 0.5).Select(v => (float)v).ToArray();
        var cell = new LstmCell<float>(inSize, u, W, U, bias, new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid));
        var ws = new RnnWorkspace<float>();
        var results = new List<float[]>();
        for (int call = 0; call < 2; call++)
        {
            var states = new float[2 * batch * u];
            var last = new float[batch * u];
            RnnDriver.Run<float>(cell, x, batch, time, [], false, false, states, [], last, ws);
            results.Add([.. states]);
        }
        Assert.Equal(results[0], results[1]);
        var (split, other) = ws.BatchSplitTuner().Estimates;
        if (PairWorker.Available && cell.Packed is not null)
        {
            Assert.True(split > 0, "the first call (split) was not timed");
            Assert.True(other > 0, "the second call (one thread) was not timed");
        }
        else
        {
            Assert.Equal((0.0, 0.0), (split, other)); // no second core or no fused kernel: nothing to choose
        }
    }

    /// <summary>
    /// Unmasked LSTMs take the fused gate-interleaved kernel (LstmStepKernel) when SIMD is on, the generic cell
    /// otherwise (DOTNET_EnableHWIntrinsic=0): odd units and features around the vector widths, batches 1..9 (every
    /// micro-tile height and the row remainder), forwards and backwards, float and double, against the direct equations.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 1, 1, false)]
    [InlineData(2, 4, 67, 3, true)]
    [InlineData(3, 5, 5, 15, false)]
    [InlineData(4, 3, 16, 16, false)]
    [InlineData(5, 6, 9, 17, true)]
    [InlineData(6, 2, 33, 31, false)]
    [InlineData(7, 3, 2, 33, false)]
    [InlineData(8, 2, 12, 67, true)]
    [InlineData(9, 4, 7, 48, false)]
    [InlineData(13, 2, 3, 8, false)]
    [InlineData(1, 6, 5, 33, true)]   // one row, three blocks: a pair of blocks (reversed on odd steps) and a single one
    [InlineData(1, 4, 9, 40, false)]
    [InlineData(1, 5, 2, 17, false)]  // one row, two blocks
    [InlineData(1, 7, 3, 32, true)]   // one row, two full float blocks, backwards (the two-block sequence loop)
    [InlineData(1, 6, 4, 12, true)]   // double: two blocks of 8 lanes at 512 bits; float: one block
    public void Lstm_UnmaskedOddSizes_FloatAndDouble_MatchDirectEquations(int batch, int time, int inSize, int u, bool backwards)
    {
        var rng = new Random(batch * 1000 + time * 100 + inSize * 10 + u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * 4 * u, 1.0 / Math.Sqrt(inSize));
        var U = Random(rng, u * 4 * u, 1.0 / Math.Sqrt(u));
        var bias = Random(rng, 4 * u, 0.5);
        var h0 = Random(rng, batch * u, 0.5);
        var c0 = Random(rng, batch * u, 0.5);
        var (seq, hRef, cRef) = ReferenceLstm(x, batch, time, inSize, u, W, U, bias, null, backwards, h0, c0);
        var sigmoid = new Activation(ActivationKind.Sigmoid);
        var tanh = new Activation(ActivationKind.Tanh);

        void Check<T>(double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            static T[] Of(double[] a) => a.Select(T.CreateTruncating).ToArray();
            var cell = new LstmCell<T>(inSize, u, Of(W), Of(U), Of(bias), tanh, sigmoid);
            var states = Of([.. h0, .. c0]);
            var outSeq = new T[batch * time * u];
            var last = new T[batch * u];
            var carried = new T[batch * u];
            var ws = new RnnWorkspace<T>();
            RnnDriver.Run<T>(cell, Of(x), batch, time, [], backwards, false, states, outSeq, last, ws, carried);
            for (int i = 0; i < seq.Length; i++) Assert.Equal(seq[i], double.CreateTruncating(outSeq[i]), tolerance);
            for (int i = 0; i < hRef.Length; i++)
            {
                Assert.Equal(hRef[i], double.CreateTruncating(states[i]), tolerance);
                Assert.Equal(cRef[i], double.CreateTruncating(states[batch * u + i]), tolerance);
                Assert.Equal(hRef[i], double.CreateTruncating(last[i]), tolerance);
                Assert.Equal(hRef[i], double.CreateTruncating(carried[i]), tolerance);
            }
            // again without the sequence output, reusing the (now larger) workspace
            var states2 = Of([.. h0, .. c0]);
            var last2 = new T[batch * u];
            RnnDriver.Run<T>(cell, Of(x), batch, time, [], backwards, false, states2, [], last2, ws);
            for (int i = 0; i < hRef.Length; i++) Assert.Equal(hRef[i], double.CreateTruncating(last2[i]), tolerance);
        }

        Check<double>(1e-12);
        Check<float>(2e-5);
    }

    /// <summary>
    /// Large enough to be split over two threads (PairWorker): eight concurrent callers on one cell, each with its
    /// own workspace, all get the direct equations' answer and bit-identical results (whoever got the worker thread).
    /// Batch 4 splits the batch rows; batch 2 cannot (halves of one row), so it splits the unit blocks.
    /// </summary>
    [Theory]
    [InlineData(4, 24)]
    [InlineData(2, 30)]
    public void Lstm_TwoThreadSplit_ConcurrentCallers_MatchDirectEquationsAndEachOther(int batch, int time)
    {
        int inSize = 10, u = 96;
        Assert.Equal(batch == 4, LstmSequenceJob<float>.ChooseBatchSplit(batch, time, inSize) > 0);
        var rng = new Random(77);
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * 4 * u, 0.3);
        var U = Random(rng, u * 4 * u, 0.1);
        var bias = Random(rng, 4 * u, 0.5);
        var (seq, hRef, _) = ReferenceLstm(x, batch, time, inSize, u, W, U, bias, null, false, null, null);
        Assert.True((long)batch * u * 4 * u >= LstmCell<float>.ParallelMinimumStepWork && (long)time * batch * u * 4 * u >= LstmCell<float>.ParallelMinimumWork);
        var cell = new LstmCell<float>(inSize, u, W.Select(v => (float)v).ToArray(), U.Select(v => (float)v).ToArray(),
            bias.Select(v => (float)v).ToArray(), new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid));
        var xf = x.Select(v => (float)v).ToArray();
        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            var ws = new RnnWorkspace<float>();
            for (int rep = 0; rep < 20; rep++)
            {
                var (_, outSeq) = RunFromZeroStates(cell, xf, batch, time, false, ws);
                if (rep == 0) results[k] = outSeq;
                else Assert.Equal(results[k], outSeq);
            }
        });
        for (int i = 0; i < seq.Length; i++) Assert.Equal(seq[i], results[0][i], 2e-5);
        for (int k = 1; k < 8; k++) Assert.Equal(results[0], results[k]);
    }

    /// <summary>
    /// Small-unit LSTMs large enough for the two-thread batch-row split (odd batch sizes, an input wider than one
    /// GEMM k-block, backwards): the direct equations' answer, and bit-identical to the one-thread fused kernel run
    /// here on the same packed weights (projection GEMM + <see cref="LstmStepKernel.Sequence{T}"/>).
    /// </summary>
    [Theory]
    [InlineData(4, 120, 7, 33, false)]
    [InlineData(9, 60, 5, 40, true)]
    [InlineData(5, 100, 9, 33, false)]
    [InlineData(7, 70, 300, 40, false)]
    [InlineData(8, 60, 3, 45, true)]
    [InlineData(13, 40, 6, 35, false)]
    [InlineData(32, 20, 6, 40, false)] // halves of 16 rows: tiles 6 5 5, the serial run 6 6 5 5 5 5
    [InlineData(14, 30, 5, 40, true)]  // halves of 7 rows: tiles 4 3, the serial run 5 5 4
    public void Lstm_BatchRowSplit_MatchesDirectEquationsAndSerialKernelBitForBit(int batch, int time, int inSize, int u, bool backwards)
    {
        var (x, W, U, bias, seq, hRef, cRef) = RandomLstm(new Random(batch * 100 + u), batch, time, inSize, u, 0.3, 0.2, backwards);
        Assert.True((long)time * batch * u * 4 * u >= LstmCell<float>.ParallelMinimumWork);
        // (a fresh workspace's first call takes the split: the batch split's SplitTuner starts its warm-up with it)
        Assert.True((long)u * 4 * u * sizeof(float) <= LstmCell<float>.BatchSplitMaximumRecurrentBytes);
        Assert.True(LstmSequenceJob<float>.ChooseBatchSplit(batch, time, inSize) > 0);
        var Wf = W.Select(v => (float)v).ToArray();
        var Uf = U.Select(v => (float)v).ToArray();
        var bf = bias.Select(v => (float)v).ToArray();
        var act = new Activation(ActivationKind.Tanh);
        var rec = new Activation(ActivationKind.Sigmoid);
        var cell = new LstmCell<float>(inSize, u, Wf, Uf, bf, act, rec);
        var xf = x.Select(v => (float)v).ToArray();
        var (states, outSeq) = RunFromZeroStates(cell, xf, batch, time, backwards, new RnnWorkspace<float>());
        NearReference(seq, hRef, cRef, outSeq, states, 2e-5);
        var w = cell.Packed;
        if (w is null) return; // no SIMD: the generic driver ran, nothing was split
        var (serialSeq, serialStates) = WholeProjectionKernel<float>(w, act, rec, xf, batch, time, inSize, backwards);
        Assert.Equal(serialSeq, outSeq);
        Assert.Equal(serialStates, states);
    }

    /// <summary>
    /// Random inputs (scale 1), kernel, recurrent kernel and bias (scale 0.5), drawn from <paramref name="rng"/> in that
    /// order, and the direct equations' answer from zero states (sequence output, final h, final c).
    /// </summary>
    private static (double[] x, double[] W, double[] U, double[] bias, double[] seq, double[] hRef, double[] cRef) RandomLstm(Random rng,
        int batch, int time, int inSize, int u, double kernelScale, double recurrentScale, bool backwards)
    {
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * 4 * u, kernelScale);
        var U = Random(rng, u * 4 * u, recurrentScale);
        var bias = Random(rng, 4 * u, 0.5);
        var (seq, hRef, cRef) = ReferenceLstm(x, batch, time, inSize, u, W, U, bias, null, backwards, null, null);
        return (x, W, U, bias, seq, hRef, cRef);
    }

    /// <summary>One unmasked driver run from zero states: the final states (h, then c) and the sequence output.</summary>
    private static (T[] states, T[] seq) RunFromZeroStates<T>(LstmCell<T> cell, T[] x, int batch, int time, bool backwards, RnnWorkspace<T> ws)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int u = cell.Units;
        var states = new T[2 * batch * u];
        var seq = new T[batch * time * u];
        RnnDriver.Run<T>(cell, x, batch, time, [], backwards, false, states, seq, new T[batch * u], ws);
        return (states, seq);
    }

    /// <summary>A run's sequence output and final h and c (states: all h, then all c) against the direct equations' values.</summary>
    private static void NearReference<T>(double[] seqRef, double[] hRef, double[] cRef, T[] seq, T[] states, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < seqRef.Length; i++) Assert.Equal(seqRef[i], double.CreateTruncating(seq[i]), tolerance);
        for (int i = 0; i < hRef.Length; i++)
        {
            Assert.Equal(hRef[i], double.CreateTruncating(states[i]), tolerance);
            Assert.Equal(cRef[i], double.CreateTruncating(states[hRef.Length + i]), tolerance);
        }
    }

    /// <summary>
    /// The one-thread fused kernel fed one projection product over all rows and steps (the reference the split and
    /// stepwise runs must match bit for bit): the sequence output, and the final states as the driver returns them (h then c).
    /// </summary>
    internal static (T[] seq, T[] states) WholeProjectionKernel<T>(LstmPacked<T> w, Activation act, Activation rec, T[] x,
        int batch, int time, int inSize, bool backwards) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int u = w.Units, up = w.PaddedUnits, pw = w.ProjectionWidth;
        var projection = new T[batch * time * pw];
        Gemm.Multiply<T>(batch * time, x, inSize, w.Kernel, projection, pw, w.Bias);
        var hA = new T[batch * up];
        var hB = new T[batch * up];
        var c = new T[batch * up];
        var seq = new T[batch * time * u];
        bool inB = LstmStepKernel.Sequence<T>(w, act, rec, batch, time, backwards, projection, hA, hB, c, seq);
        var states = new T[2 * batch * u];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < u; j++)
            {
                states[b * u + j] = (inB ? hB : hA)[b * up + j];
                states[(batch + b) * u + j] = c[b * up + j];
            }
        return (seq, states);
    }

    /// <summary>
    /// Batches whose whole-sequence projection is larger than L2 are projected one step at a time as the steps reach it
    /// (<see cref="StepwiseProjection{T}"/>): on one thread (the second call of a fresh workspace, the batch split's timing
    /// of the other way) and, where the halves are large enough, in each part of a batch-row split (its first call). Both
    /// calls give the direct equations' answer and the bits of the kernel fed one projection product over all rows and
    /// steps; float32, and float64 (its 4-row halves too small: only the one-thread call is stepwise).
    /// </summary>
    [Theory]
    [InlineData(false, 4, 350, 96, 96, false)]
    [InlineData(false, 5, 350, 96, 96, true)]
    [InlineData(true, 4, 200, 64, 64, true)]
    public void Lstm_StepwiseProjection_MatchesDirectEquationsAndWholeProjectionBitForBit(bool float64, int batch, int time, int inSize, int u, bool backwards)
    {
        if (float64) StepwiseCase<double>(batch, time, inSize, u, backwards, 1e-10, partsToo: false);
        else StepwiseCase<float>(batch, time, inSize, u, backwards, 2e-5, partsToo: true);
    }

    private static void StepwiseCase<T>(int batch, int time, int inSize, int u, bool backwards, double tolerance, bool partsToo)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var (x, W, U, bias, seq, hRef, cRef) = RandomLstm(new Random(batch * 31 + time), batch, time, inSize, u, 0.2, 0.15, backwards);
        static T[] Of(double[] a) => a.Select(T.CreateTruncating).ToArray();
        var act = new Activation(ActivationKind.Tanh);
        var rec = new Activation(ActivationKind.Sigmoid);
        var cell = new LstmCell<T>(inSize, u, Of(W), Of(U), Of(bias), act, rec);
        var xt = Of(x);
        var w = cell.Packed;
        T[]? wholeSeq = null, wholeStates = null;
        if (w is not null)
        {
            Assert.True(StepwiseProjection<T>.Applies(batch, time, inSize, w.ProjectionWidth));
            int b0 = LstmSequenceJob<T>.ChooseBatchSplit(batch, time, inSize);
            Assert.True(b0 > 0);
            Assert.Equal(partsToo, StepwiseProjection<T>.Applies(b0, time, inSize, w.ProjectionWidth));
            Assert.Equal(partsToo, StepwiseProjection<T>.Applies(batch - b0, time, inSize, w.ProjectionWidth));
            (wholeSeq, wholeStates) = WholeProjectionKernel<T>(w, act, rec, xt, batch, time, inSize, backwards);
        }
        var ws = new RnnWorkspace<T>();
        for (int call = 0; call < 2; call++)
        {
            var (states, outSeq) = RunFromZeroStates(cell, xt, batch, time, backwards, ws);
            NearReference(seq, hRef, cRef, outSeq, states, tolerance);
            if (wholeSeq is null) continue; // no SIMD: the generic driver ran
            Assert.Equal(wholeSeq, outSeq);
            Assert.Equal(wholeStates, states);
        }
        if (w is null) return;
        // the projection buffer holds one step's rows where every run projects step by step; the first call's halves,
        // when a batch split ran and they are too small to be stepwise, their whole sequence
        int pw = w.ProjectionWidth, pad = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int expected = partsToo || !PairWorker.Available ? batch * pw : batch * time * pw;
        Assert.InRange(ws.ProjectionCapacity, expected, expected + pad);
    }

    /// <summary>
    /// One-row forward sequences long enough for the projection pipeline (chunks of steps projected on the pair worker
    /// while the steps run): the direct equations' answer, and bit-identical to one projection GEMM over all steps
    /// followed by <see cref="LstmStepKernel.Sequence{T}"/>; lengths that leave a one-row GEMM tile at the end included.
    /// </summary>
    [Theory]
    [InlineData(100, 8, 32)]
    [InlineData(97, 5, 17)]
    [InlineData(25, 300, 40)]  // input wider than a GEMM k-block: not pipelined (a short last chunk would not be k-blocked)
    [InlineData(25, 256, 40)]
    [InlineData(61, 3, 70)]
    public void Lstm_OneRowPipelinedProjection_MatchesDirectEquationsAndSerialKernelBitForBit(int time, int inSize, int u)
    {
        Assert.True(time >= LstmCell<float>.PipelineMinimumSteps);
        var rng = new Random(time * 10 + u);
        var x = Random(rng, time * inSize, 1.0);
        var W = Random(rng, inSize * 4 * u, 0.3);
        var U = Random(rng, u * 4 * u, 0.2);
        var bias = Random(rng, 4 * u, 0.5);
        var (seq, hRef, cRef) = ReferenceLstm(x, 1, time, inSize, u, W, U, bias, null, false, null, null);
        var act = new Activation(ActivationKind.Tanh);
        var rec = new Activation(ActivationKind.Sigmoid);
        var cell = new LstmCell<float>(inSize, u, W.Select(v => (float)v).ToArray(), U.Select(v => (float)v).ToArray(),
            bias.Select(v => (float)v).ToArray(), act, rec);
        var xf = x.Select(v => (float)v).ToArray();
        var ws = new RnnWorkspace<float>();
        for (int rep = 0; rep < 3; rep++) // the workspace's pipeline is reused
        {
            var (states, outSeq) = RunFromZeroStates(cell, xf, 1, time, false, ws);
            NearReference(seq, hRef, cRef, outSeq, states, 2e-5);
            var w = cell.Packed;
            if (w is null) return; // no SIMD: the generic driver ran
            int up = w.PaddedUnits, pw = w.ProjectionWidth;
            var projection = new float[time * pw];
            Gemm.Multiply<float>(time, xf, inSize, w.Kernel, projection, pw, w.Bias);
            var hA = new float[up];
            var hB = new float[up];
            var c = new float[up];
            var serialSeq = new float[time * u];
            bool inB = LstmStepKernel.Sequence<float>(w, act, rec, 1, time, false, projection, hA, hB, c, serialSeq);
            Assert.Equal(serialSeq, outSeq);
            Assert.Equal((inB ? hB : hA).AsSpan(0, u).ToArray(), states.AsSpan(0, u).ToArray());
            Assert.Equal(c.AsSpan(0, u).ToArray(), states.AsSpan(u, u).ToArray());
        }
    }

    /// <summary>
    /// The LSTM unit-block split's parts driven directly (<see cref="LstmSequenceJob{T}"/> through
    /// <see cref="LstmCell{T}.TryRunSequence"/>'s test hook): the leader alone (the helper never comes), the serial
    /// fallback, a helper that joins late (its claims are refused until it catches up) and a leader that starts late
    /// (the helper does phase 0's item 1, projection included, then waits). Every schedule gives the one-thread fused
    /// kernel's result bit for bit (projection GEMM + <see cref="LstmStepKernel.Sequence{T}"/> on the same packed weights)
    /// and the direct equations' values; initial h and c, backwards, one step, a one-row L1-resident layer (blocks run
    /// two at a time), a batch of three (tiles of two rows and one), units not a multiple of the lanes; and batches whose
    /// whole-sequence projection would not stay in cache, where each item projects its columns of each step's rows
    /// (<paramref name="stepwise"/>).
    /// </summary>
    [Theory]
    [InlineData(1, 300, 5, 130, false, false)]
    [InlineData(1, 120, 9, 40, true, false)]
    [InlineData(3, 60, 7, 67, false, false)]
    [InlineData(2, 1, 4, 96, false, false)]
    [InlineData(1, 2, 300, 50, true, false)]
    [InlineData(4, 150, 40, 130, false, true)]
    [InlineData(3, 150, 48, 200, true, true)]
    public void Lstm_UnitSplit_AnySchedule_GivesTheSerialKernelResult(int batch, int time, int inSize, int u, bool backwards, bool stepwise)
    {
        var rng = new Random(batch * 1000 + time + u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * 4 * u, 0.3);
        var U = Random(rng, u * 4 * u, 0.2);
        var bias = Random(rng, 4 * u, 0.5);
        var h0 = Random(rng, batch * u, 0.5);
        var c0 = Random(rng, batch * u, 0.5);
        var (seq, hRef, cRef) = ReferenceLstm(x, batch, time, inSize, u, W, U, bias, null, backwards, h0, c0);
        var act = new Activation(ActivationKind.Tanh);
        var rec = new Activation(ActivationKind.Sigmoid);
        var cell = new LstmCell<float>(inSize, u, W.Select(v => (float)v).ToArray(), U.Select(v => (float)v).ToArray(),
            bias.Select(v => (float)v).ToArray(), act, rec);
        var w = cell.Packed;
        if (w is null) return; // no SIMD: no fused kernel
        Assert.True(w.Blocks >= 2);
        var xf = x.Select(v => (float)v).ToArray();
        // the one-thread fused kernel
        int up = w.PaddedUnits, pw = w.ProjectionWidth;
        Assert.Equal(stepwise, StepwiseProjection<float>.Applies(batch, time, inSize, pw));
        var projection = new float[batch * time * pw];
        Gemm.Multiply<float>(batch * time, xf, inSize, w.Kernel, projection, pw, w.Bias);
        var hA = new float[batch * up];
        var hB = new float[batch * up];
        var c = new float[batch * up];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < u; j++)
            {
                hA[b * up + j] = (float)h0[b * u + j];
                c[b * up + j] = (float)c0[b * u + j];
            }
        var serialSeq = new float[batch * time * u];
        bool inB = LstmStepKernel.Sequence<float>(w, act, rec, batch, time, backwards, projection, hA, hB, c, serialSeq);
        var serialStates = new float[2 * batch * u];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < u; j++)
            {
                serialStates[b * u + j] = (inB ? hB : hA)[b * up + j];
                serialStates[(batch + b) * u + j] = c[b * up + j];
            }
        for (int i = 0; i < seq.Length; i++) Assert.Equal(seq[i], serialSeq[i], 2e-5);
        for (int i = 0; i < hRef.Length; i++)
        {
            Assert.Equal(hRef[i], serialStates[i], 2e-5);
            Assert.Equal(cRef[i], serialStates[batch * u + i], 2e-5);
        }

        var ws = new RnnWorkspace<float>(); // reused by every schedule
        void Same(Action<LstmSequenceJob<float>> schedule)
        {
            var states = new float[2 * batch * u];
            for (int i = 0; i < batch * u; i++)
            {
                states[i] = (float)h0[i];
                states[batch * u + i] = (float)c0[i];
            }
            var outSeq = new float[batch * time * u];
            var last = new float[batch * u];
            bool ran = false;
            Assert.True(cell.TryRunSequence(xf, batch, time, backwards, states, outSeq, last, ws, default, job =>
            {
                Assert.Equal(0, job.BatchSplit);
                Assert.Equal(stepwise, job.ProjectsSteps);
                schedule(job);
                ran = true;
            }));
            Assert.True(ran);
            Assert.Equal(serialSeq, outSeq);
            Assert.Equal(serialStates, states);
            Assert.Equal(serialStates.AsSpan(0, batch * u).ToArray(), last);
        }
        foreach (var schedule in PairSchedules.All) Same(job => schedule(job));
        // every schedule's buffer: one step's rows when the items project step by step, else the whole sequence
        int expected = stepwise ? batch * pw : batch * time * pw;
        Assert.InRange(ws.ProjectionCapacity, expected, expected + 64 / sizeof(float));
    }

    /// <summary>
    /// A one-row LSTM(128) whose calls are timed against one thread (unit split, or the projection pipeline while a
    /// contention back-off rules the split out) allocates nothing in steady state, whichever question a call asks.
    /// </summary>
    [Fact]
    public void Lstm_TunedTwoThreadChoices_SteadyState_AllocateNothing_AlsoDuringABackOff()
    {
        const int time = 30, inSize = 16, u = 128;
        var rng = new Random(7);
        float[] F(int n, double scale) => Random(rng, n, scale).Select(v => (float)v).ToArray();
        var cell = new LstmCell<float>(inSize, u, F(inSize * 4 * u, 0.2), F(u * 4 * u, 0.1), F(4 * u, 0.3), new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid));
        var x = F(time * inSize, 1.0);
        var states = new float[2 * u];
        var seq = new float[time * u];
        var last = new float[u];
        var workspace = new RnnWorkspace<float>();
        void Call() => RnnDriver.Run<float>(cell, x, 1, time, [], false, false, states, seq, last, workspace);
        for (var warm = System.Diagnostics.Stopwatch.StartNew(); warm.ElapsedMilliseconds < 400;) Call(); // past tiered JIT promotion
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) Call();
        long stall = System.Diagnostics.Stopwatch.Frequency;
        // two stalls in a row: two-thread unit splits back off for a while (10 ms at first; again if this thread lost
        // its core for that long in between)
        for (int attempt = 0; attempt < 5 && !PairContention.BackingOff; attempt++)
        {
            PairContention.Report(stall, 1);
            PairContention.Report(stall, 1);
        }
        bool backingOff = PairContention.BackingOff;
        Call();
        Call();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        PairContention.Report(0, 0);
        Assert.True(backingOff);
        Assert.Equal(0, allocated); // with one core (no tuner consulted) as well
    }

    /// <summary>
    /// A large batch split is cut into chunks that the two threads claim one at a time (<see cref="BatchSplitPoint.Chunks"/>),
    /// so that a helper that starts late still takes the chunks left: every schedule (the helper never coming, the worker
    /// busy, the helper starting after or before the caller) gives the serial kernel's bits and the direct equations'
    /// values; with whole-sequence and step-by-step projections per chunk.
    /// </summary>
    [Theory]
    [InlineData(48, 30, 5, 33, false, 4, false)]
    [InlineData(64, 100, 20, 64, true, 4, true)]  // 16 rows a chunk: 16 · 100 · 256 floats, projected step by step
    [InlineData(101, 12, 7, 17, false, 8, false)] // chunks of 12 and 13 rows
    [InlineData(30, 20, 6, 24, false, 2, false)]  // halves
    [InlineData(64, 70, 16, 32, false, 4, false)] // halves of 32 rows would project step by step, chunks of 16 do not: the buffer holds the whole sequence
    public void Lstm_BatchSplitChunks_AnySchedule_GiveTheSerialKernelResult(int batch, int time, int inSize, int u, bool backwards, int chunks, bool stepwise)
    {
        var (x, W, U, bias, seq, hRef, cRef) = RandomLstm(new Random(batch * 7 + u), batch, time, inSize, u, 0.3, 0.2, backwards);
        int split = LstmSequenceJob<float>.ChooseBatchSplit(batch, time, inSize);
        Assert.Equal(chunks, BatchSplitPoint.Chunks(batch, split, inSize));
        var act = new Activation(ActivationKind.Tanh);
        var rec = new Activation(ActivationKind.Sigmoid);
        var cell = new LstmCell<float>(inSize, u, W.Select(v => (float)v).ToArray(), U.Select(v => (float)v).ToArray(), bias.Select(v => (float)v).ToArray(), act, rec);
        var w = cell.Packed;
        if (w is null) return; // no SIMD: no fused kernel
        int firstChunk = BatchSplitPoint.ChunkStart(1, chunks, batch, split);
        Assert.Equal(stepwise, StepwiseProjection<float>.Applies(firstChunk, time, inSize, w.ProjectionWidth));
        var xf = x.Select(v => (float)v).ToArray();
        var (serialSeq, serialStates) = WholeProjectionKernel<float>(w, act, rec, xf, batch, time, inSize, backwards);
        var ws = new RnnWorkspace<float>();
        foreach (var schedule in PairSchedules.All)
        {
            var states = new float[2 * batch * u];
            var outSeq = new float[batch * time * u];
            bool ran = false;
            Assert.True(cell.TryRunSequence(xf, batch, time, backwards, states, outSeq, new float[batch * u], ws, default, splitRows: job =>
            {
                Assert.Equal(split, job.BatchSplit);
                schedule(job);
                ran = true;
            }));
            Assert.True(ran);
            Assert.Equal(serialSeq, outSeq);
            Assert.Equal(serialStates, states);
            NearReference(seq, hRef, cRef, outSeq, states, 2e-5);
        }
    }

    /// <summary>
    /// A unit split whose steps take at least <see cref="SplitTuner.CertainStepWork"/> multiply-adds is taken without
    /// timing it against one thread (its tuner is never asked, so its estimates stay empty and no call runs the slow way);
    /// smaller steps are timed. Both give the direct equations' values.
    /// </summary>
    [Theory]
    [InlineData(1, 512, false)] // 512 · 2048 = 2^20 multiply-adds a step
    [InlineData(3, 256, true)]  // 3 · 256 · 1024 = 786,432
    public void Lstm_UnitSplit_IsTimedOnlyBelowTheCertainStepWork(int batch, int u, bool timed)
    {
        const int time = 3, inSize = 5;
        Assert.Equal(timed, SplitTuner.Needed((long)batch * u * 4 * u));
        Assert.True((long)u * 4 * u * sizeof(float) > LstmCell<float>.BatchSplitMaximumRecurrentBytes); // no batch split
        var (x, W, U, bias, seq, hRef, cRef) = RandomLstm(new Random(u + batch), batch, time, inSize, u, 0.3, 0.05, false);
        var cell = new LstmCell<float>(inSize, u, W.Select(v => (float)v).ToArray(), U.Select(v => (float)v).ToArray(),
            bias.Select(v => (float)v).ToArray(), new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid));
        var xf = x.Select(v => (float)v).ToArray();
        var ws = new RnnWorkspace<float>();
        bool backedOff = false;
        for (int call = 0; call < 3; call++)
        {
            backedOff |= PairContention.BackingOff;
            var (states, outSeq) = RunFromZeroStates(cell, xf, batch, time, false, ws);
            NearReference(seq, hRef, cRef, outSeq, states, 2e-5);
        }
        var (split, other) = ws.SplitTuner().Estimates;
        if (timed && PairWorker.Available && cell.Packed is not null && !backedOff)
            Assert.True(split > 0 && other > 0, $"the calls were not timed both ways ({split}, {other})");
        else if (!timed)
            Assert.Equal((0.0, 0.0), (split, other));
    }

    /// <summary>
    /// The batch split point leaves no part of one row (the step kernel and the projection GEMM cut a batch into tiles of
    /// two rows or more, and only a lone row sums in another order), as near the middle as that allows.
    /// </summary>
    [Fact]
    public void Lstm_BatchSplitPoint_LeavesTwoRowsAPart()
    {
        foreach (int batch in new[] { 4, 7, 8, 9, 13, 64 })
            Assert.Equal(batch / 2, LstmSequenceJob<float>.ChooseBatchSplit(batch, 10, 8));
        Assert.Equal(0, LstmSequenceJob<float>.ChooseBatchSplit(2, 10, 8)); // halves of one row would use the one-row kernel
        Assert.Equal(0, LstmSequenceJob<float>.ChooseBatchSplit(3, 10, 8));
        Assert.Equal(32, LstmSequenceJob<float>.ChooseBatchSplit(64, 10, 8));
        Assert.Equal(2, LstmSequenceJob<float>.ChooseBatchSplit(4, 10, 8));
    }

    [Fact]
    public void Gru_ResetAfterFalseAndTrue_MatchDirectEquations()
    {
        const int batch = 2, time = 4, inSize = 3, u = 3;
        var rng = new Random(7);
        var x = Random(rng, batch * time * inSize, 1.2);
        var W = Random(rng, inSize * 3 * u, 0.9);
        var U = Random(rng, u * 3 * u, 0.9);
        var bIn = Random(rng, 3 * u, 0.4);
        var bRec = Random(rng, 3 * u, 0.4);
        foreach (bool resetAfter in new[] { false, true })
        {
            // direct evaluation
            var expected = new double[batch * u];
            for (int b = 0; b < batch; b++)
            {
                var h = new double[u];
                for (int t = 0; t < time; t++)
                {
                    var hn = new double[u];
                    for (int j = 0; j < u; j++)
                    {
                        int xo = (b * time + t) * inSize;
                        double xz = Dot(x, xo, inSize, W, 3 * u, j) + bIn[j];
                        double xr = Dot(x, xo, inSize, W, 3 * u, u + j) + bIn[u + j];
                        double xh = Dot(x, xo, inSize, W, 3 * u, 2 * u + j) + bIn[2 * u + j];
                        double rz = Dot(h, 0, u, U, 3 * u, j) + (resetAfter ? bRec[j] : 0);
                        double rr = Dot(h, 0, u, U, 3 * u, u + j) + (resetAfter ? bRec[u + j] : 0);
                        double z = Sig(xz + rz);
                        double hh;
                        if (resetAfter)
                        {
                            double r = Sig(xr + rr);
                            hh = Math.Tanh(xh + r * (Dot(h, 0, u, U, 3 * u, 2 * u + j) + bRec[2 * u + j]));
                        }
                        else
                        {
                            var rh = new double[u];
                            for (int k = 0; k < u; k++)
                                rh[k] = Sig(Dot(x, xo, inSize, W, 3 * u, u + k) + bIn[u + k] + Dot(h, 0, u, U, 3 * u, u + k)) * h[k];
                            hh = Math.Tanh(xh + Dot(rh, 0, u, U, 3 * u, 2 * u + j));
                        }
                        hn[j] = z * h[j] + (1 - z) * hh;
                    }
                    h = hn;
                }
                Array.Copy(h, 0, expected, b * u, u);
            }
            var cell = new GruCell<double>(inSize, u, W, U, bIn, resetAfter ? bRec : null, resetAfter,
                new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid));
            var states = new double[batch * u];
            var last = new double[batch * u];
            RnnDriver.Run<double>(cell, x, batch, time, [], false, false, states, [], last, new RnnWorkspace<double>());
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], last[i], 1e-12);
        }
    }

    [Fact]
    public void ZeroOutputForMask_EmitsZerosAtMaskedSteps_AndKeepsState()
    {
        const int batch = 1, time = 3, u = 2;
        double[] W = [1, 0, 0, 1];
        double[] U = [0.5, 0, 0, 0.5];
        double[] x = [1, 2, 3, 4, 5, 6];
        var cell = new SimpleRnnCell<double>(2, u, W, U, null, Activation.Linear);
        bool[] mask = [true, false, true];
        var states = new double[u];
        var seq = new double[time * u];
        var last = new double[u];
        RnnDriver.Run<double>(cell, x, batch, time, mask, false, true, states, seq, last, new RnnWorkspace<double>());
        // step 0: h = (1, 2); step 1 masked: output 0, state stays (1, 2); step 2: h = (5 + 0.5, 6 + 1) = (5.5, 7)
        Assert.Equal(new double[] { 1, 2, 0, 0, 5.5, 7 }, seq);
        Assert.Equal(new double[] { 5.5, 7 }, states);
    }
}
