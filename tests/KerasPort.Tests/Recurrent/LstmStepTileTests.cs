using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Recurrent;

/// <summary>
/// The fused LSTM kernel runs a step of two rows or more either tile by tile (each tile's sums, then its gate code) or,
/// when the step's sums fit the step tile (<see cref="LstmStepKernel.SumsWholeStep"/>), all sums first and then the gate
/// code one activation at a time. Rows are independent, so a batch too large for the step tile and its two halves, each
/// small enough, must give the same bits row for row: the two orders compute the same operations on every lane. Both
/// also agree with Keras's LSTM equations evaluated in double here.
/// </summary>
[Trait("Category", "Recurrent")]
public class LstmStepTileTests
{
    private static readonly Activation Sigmoid = new(ActivationKind.Sigmoid), Tanh = new(ActivationKind.Tanh);

    [Theory]
    [InlineData(128, 5, false)]
    [InlineData(40, 7, true)]
    public void Whole_step_and_tile_by_tile_give_the_same_bits_and_the_lstm_equations(int u, int inSize, bool backwards)
    {
        Check<float>(u, inSize, backwards, 2e-5);
        Check<double>(u, inSize, backwards, 1e-12);
    }

    private static void Check<T>(int u, int inSize, bool backwards, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int time = 9;
        var rng = new Random(u * 100 + inSize);
        double[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * scale).ToArray();
        var W = R(inSize * 4 * u, 0.4);
        var U = R(u * 4 * u, 1.0 / Math.Sqrt(u));
        var bias = R(4 * u, 0.5);
        static T[] Of(double[] a) => a.Select(T.CreateTruncating).ToArray();
        var w = LstmPacked<T>.Create(inSize, u, Of(W), Of(U), Of(bias));
        if (w is null)
        {
            // no SIMD (DOTNET_EnableHWIntrinsic=0): the generic cell runs instead, checked elsewhere
            Assert.False(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated);
            return;
        }
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int rowsThatFit = RecurrentPanels.StepTileMaxBytes / (w.Blocks * 4 * w.Lanes * size);
        int half = Math.Max(2, rowsThatFit), batch = 2 * half;
        Assert.True(LstmStepKernel.SumsWholeStep(half, w.Blocks, w.Lanes, size));
        Assert.False(LstmStepKernel.SumsWholeStep(batch, w.Blocks, w.Lanes, size));

        var x = R(batch * time * inSize, 1.0);
        var whole = Run(w, Of(x), batch, time, inSize, backwards);
        var top = Run(w, Of(x[..(half * time * inSize)]), half, time, inSize, backwards);
        var bottom = Run(w, Of(x[(half * time * inSize)..]), half, time, inSize, backwards);
        Assert.Equal(whole, top.Concat(bottom).ToArray());

        var expected = Reference(x, batch, time, inSize, u, W, U, bias, backwards);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], double.CreateTruncating(whole[i]), tolerance);
    }

    /// <summary>The fused kernel's sequence output (batch × time × units) from zero states, fed one projection product.</summary>
    private static T[] Run<T>(LstmPacked<T> w, T[] x, int batch, int time, int inSize, bool backwards) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int up = w.PaddedUnits, pw = w.ProjectionWidth;
        var projection = new T[batch * time * pw];
        Gemm.Multiply<T>(batch * time, x, inSize, w.Kernel, projection, pw, w.Bias);
        var seq = new T[batch * time * w.Units];
        LstmStepKernel.Sequence<T>(w, Tanh, Sigmoid, batch, time, backwards, projection, new T[batch * up], new T[batch * up], new T[batch * up], seq);
        return seq;
    }

    /// <summary>Keras LSTM (gates i, f, c, o; sigmoid and tanh), zero initial states: h of every step, batch-first.</summary>
    private static double[] Reference(double[] x, int batch, int time, int inSize, int u, double[] W, double[] U, double[] bias, bool backwards)
    {
        var seq = new double[batch * time * u];
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        for (int b = 0; b < batch; b++)
        {
            var h = new double[u];
            var c = new double[u];
            for (int s = 0; s < time; s++)
            {
                int t = backwards ? time - 1 - s : s;
                var z = new double[4 * u];
                for (int col = 0; col < 4 * u; col++)
                {
                    double v = bias[col];
                    for (int p = 0; p < inSize; p++) v += x[(b * time + t) * inSize + p] * W[p * 4 * u + col];
                    for (int p = 0; p < u; p++) v += h[p] * U[p * 4 * u + col];
                    z[col] = v;
                }
                var hn = new double[u];
                for (int j = 0; j < u; j++)
                {
                    c[j] = Sig(z[u + j]) * c[j] + Sig(z[j]) * Math.Tanh(z[2 * u + j]);
                    hn[j] = Sig(z[3 * u + j]) * Math.Tanh(c[j]);
                }
                h = hn;
                Array.Copy(h, 0, seq, (b * time + s) * u, u);
            }
        }
        return seq;
    }
}
