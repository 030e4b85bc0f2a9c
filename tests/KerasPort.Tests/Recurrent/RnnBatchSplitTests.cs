using KerasPort.Compute;
using KerasPort.Compute.Kernels;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Tests.Recurrent;

/// <summary>
/// GRU / SimpleRNN sequences large enough for the two-thread batch-row split (<see cref="RnnBatchSplitJob{T}"/>):
/// Keras's GRU equations evaluated directly in double here, and bit-identical to the one-thread step loop
/// (<see cref="RnnDriver.RunSteps{T}"/>), with masks, go_backwards, carried outputs and concurrent callers. Unmasked
/// reset_after=True GRUs now take the fused sequence kernel (<see cref="GruStepKernel"/>, split by its own
/// <see cref="FusedSequenceJob{T}"/>), so those cases check that it agrees bit for bit with the generic step loop.
/// </summary>
[Trait("Category", "Recurrent")]
public class RnnBatchSplitTests
{
    private static readonly Activation Tanh = new(ActivationKind.Tanh), Sigmoid = new(ActivationKind.Sigmoid);

    private static double[] Random(Random rng, int n, double scale)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static float[] F(double[] a) => a.Select(v => (float)v).ToArray();

    /// <summary>Keras GRU, reset_after=True, gates z, r, h: the final h of every sample (no mask, forward).</summary>
    private static double[] ReferenceGru(double[] x, int batch, int time, int inSize, int u, double[] W, double[] U, double[] bIn, double[] bRec)
    {
        var result = new double[batch * u];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[u];
            for (int t = 0; t < time; t++)
            {
                var xw = new double[3 * u];
                var hu = new double[3 * u];
                for (int col = 0; col < 3 * u; col++)
                {
                    double s = bIn[col], r = bRec[col];
                    for (int p = 0; p < inSize; p++) s += x[(b * time + t) * inSize + p] * W[p * 3 * u + col];
                    for (int p = 0; p < u; p++) r += h[p] * U[p * 3 * u + col];
                    xw[col] = s;
                    hu[col] = r;
                }
                var next = new double[u];
                for (int j = 0; j < u; j++)
                {
                    double z = 1 / (1 + Math.Exp(-(xw[j] + hu[j])));
                    double rg = 1 / (1 + Math.Exp(-(xw[u + j] + hu[u + j])));
                    double hh = Math.Tanh(xw[2 * u + j] + rg * hu[2 * u + j]);
                    next[j] = z * h[j] + (1 - z) * hh;
                }
                h = next;
            }
            Array.Copy(h, 0, result, b * u, u);
        }
        return result;
    }

    [Theory]
    [InlineData(8, 60, 9, 40)]
    [InlineData(13, 50, 5, 33)]
    [InlineData(7, 80, 3, 35)]
    [InlineData(64, 30, 300, 20)] // input wider than one GEMM k-block
    public void Gru_ResetAfter_MatchesDirectEquationsAndSerialBitForBit(int batch, int time, int inSize, int u)
    {
        var rng = new Random(batch * 31 + u);
        var x = Random(rng, batch * time * inSize, 1.0);
        var W = Random(rng, inSize * 3 * u, 0.3);
        var U = Random(rng, u * 3 * u, 0.2);
        var bIn = Random(rng, 3 * u, 0.4);
        var bRec = Random(rng, 3 * u, 0.4);
        var cell = new GruCell<float>(inSize, u, F(W), F(U), F(bIn), F(bRec), true, Tanh, Sigmoid);
        Assert.True((long)time * batch * u * 3 * u >= RnnBatchSplitJob<float>.MinimumWork);
        Assert.True(RnnBatchSplitJob<float>.ChooseSplit(batch, time, inSize, u) > 0);
        var expected = ReferenceGru(x, batch, time, inSize, u, W, U, bIn, bRec);
        var (states, sequence, _) = RunBoth(cell, F(x), batch, time, u, [], false, false);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], states[i], 2e-5);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < u; j++)
                Assert.Equal(states[b * u + j], sequence[(b * time + time - 1) * u + j]);
    }

    [Theory]
    [InlineData(false, true, false)]
    [InlineData(true, false, true)]
    public void Gru_ResetBefore_And_SimpleRnn_WithMaskBackwardsCarried_MatchSerialBitForBit(bool backwards, bool zeroOutputForMask, bool carried)
    {
        int batch = 11, time = 30, inSize = 6, u = 48;
        var rng = new Random(backwards ? 3 : 4);
        var x = F(Random(rng, batch * time * inSize, 1.0));
        var mask = new bool[batch * time];
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextDouble() < 0.8;
        var gru = new GruCell<float>(inSize, u, F(Random(rng, inSize * 3 * u, 0.3)), F(Random(rng, u * 3 * u, 0.2)),
            F(Random(rng, 3 * u, 0.4)), null, false, Tanh, Sigmoid);
        Assert.True((long)time * batch * u * 3 * u >= RnnBatchSplitJob<float>.MinimumWork);
        Assert.True(RnnBatchSplitJob<float>.ChooseSplit(batch, time, inSize, u) > 0);
        RunBoth(gru, x, batch, time, u, mask, backwards, zeroOutputForMask, carried);
        int un = 96;
        var rnn = new SimpleRnnCell<float>(inSize, un, F(Random(rng, inSize * un, 0.3)), F(Random(rng, un * un, 0.15)), F(Random(rng, un, 0.4)), Tanh);
        Assert.True((long)time * batch * un * un >= RnnBatchSplitJob<float>.MinimumWork);
        RunBoth(rnn, x, batch, time, un, mask, backwards, zeroOutputForMask, carried);
    }

    /// <summary>Eight callers on one cell, each with its own workspace, 30 runs each: every result equals the serial one.</summary>
    [Fact]
    public void Concurrent_callers_get_the_serial_result()
    {
        int batch = 10, time = 50, inSize = 7, u = 40;
        Assert.True((long)time * batch * u * 3 * u >= RnnBatchSplitJob<float>.MinimumWork);
        var rng = new Random(21);
        var x = F(Random(rng, batch * time * inSize, 1.0));
        var cell = new GruCell<float>(inSize, u, F(Random(rng, inSize * 3 * u, 0.3)), F(Random(rng, u * 3 * u, 0.2)),
            F(Random(rng, 3 * u, 0.4)), F(Random(rng, 3 * u, 0.4)), true, Tanh, Sigmoid);
        var serial = new float[batch * time * u];
        RnnDriver.RunSteps<float>(cell, x, batch, time, [], false, false, new float[batch * u], serial, new float[batch * u], new RnnWorkspace<float>(), default);
        var failures = new int[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            var ws = new RnnWorkspace<float>();
            var seq = new float[batch * time * u];
            for (int rep = 0; rep < 30; rep++)
            {
                Array.Fill(seq, float.NaN);
                RnnDriver.Run<float>(cell, x, batch, time, [], false, false, new float[batch * u], seq, new float[batch * u], ws);
                if (!seq.AsSpan().SequenceEqual(serial)) failures[k]++;
            }
        });
        Assert.All(failures, f => Assert.Equal(0, f));
    }

    /// <summary>
    /// The split point is the middle row that leaves two rows or more in each part (a lone row sums in two chains) and,
    /// for a step product k-blocked in the serial run (units above KC), more than MR rows in each.
    /// </summary>
    [Fact]
    public void Split_point_leaves_two_rows_a_part_and_keeps_k_blocking()
    {
        Assert.Equal(32, RnnBatchSplitJob<float>.ChooseSplit(64, 10, 8, 128));
        Assert.Equal(0, RnnBatchSplitJob<float>.ChooseSplit(2, 1, 8, 128)); // one row per half: the one-row kernel
        Assert.Equal(0, RnnBatchSplitJob<float>.ChooseSplit(3, 5, 8, 64));
        for (int batch = 4; batch <= 20; batch++)
            foreach (int time in new[] { 1, 5, 7 })
                Assert.Equal(batch / 2, RnnBatchSplitJob<float>.ChooseSplit(batch, time, 8, 64));
        Assert.Equal(0, RnnBatchSplitJob<float>.ChooseSplit(13, 5, 8, 300)); // 6 + 7: one part k-blocked, the other not
        Assert.Equal(7, RnnBatchSplitJob<float>.ChooseSplit(14, 5, 8, 300));
        Assert.Equal(0, RnnBatchSplitJob<float>.ChooseSplit(13, 1, 300, 64)); // the projection: 13 rows, likewise
        Assert.Equal(6, RnnBatchSplitJob<float>.ChooseSplit(13, 2, 300, 64)); // 12 + 14 projection rows, both blocked
    }

    private static (float[] states, float[] sequence, float[] last) RunBoth(IRecurrentCell<float> cell, float[] x, int batch, int time, int u,
        bool[] mask, bool backwards, bool zeroOutputForMask, bool carried = false)
    {
        var rng = new Random(99);
        var h0 = F(Random(rng, batch * u, 0.5));
        var c0 = carried ? F(Random(rng, batch * u, 0.5)) : [];
        float[] s1 = (float[])h0.Clone(), q1 = new float[batch * time * u], l1 = new float[batch * u], c1 = (float[])c0.Clone();
        float[] s2 = (float[])h0.Clone(), q2 = new float[batch * time * u], l2 = new float[batch * u], c2 = (float[])c0.Clone();
        RnnDriver.RunSteps<float>(cell, x, batch, time, mask, backwards, zeroOutputForMask, s1, q1, l1, new RnnWorkspace<float>(), c1);
        RnnDriver.Run<float>(cell, x, batch, time, mask, backwards, zeroOutputForMask, s2, q2, l2, new RnnWorkspace<float>(), c2);
        Assert.Equal(s1, s2);
        Assert.Equal(q1, q2);
        Assert.Equal(l1, l2);
        Assert.Equal(c1, c2);
        return (s2, q2, l2);
    }
}
