using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Recurrent;

/// <summary>
/// The fused LSTM kernel runs a step of two rows or more either tile by tile (each tile's sums, then its gate code) or,
/// when the step's sums fit the step tile (<see cref="LstmStepKernel.SumsWholeStep"/>), all sums first and then the gate
/// code one activation at a time. Rows are independent, so a batch too large for the step tile and its two halves, each
/// small enough, must give the same bits row for row: the two orders compute the same operations on every lane. Both
/// also agree with Keras's LSTM equations evaluated in double (<see cref="RnnDriverTests.ReferenceLstm"/>).
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
        var (whole, wholeStates) = RnnDriverTests.WholeProjectionKernel(w, Tanh, Sigmoid, Of(x), batch, time, inSize, backwards);
        var (top, topStates) = RnnDriverTests.WholeProjectionKernel(w, Tanh, Sigmoid, Of(x[..(half * time * inSize)]), half, time, inSize, backwards);
        var (bottom, bottomStates) = RnnDriverTests.WholeProjectionKernel(w, Tanh, Sigmoid, Of(x[(half * time * inSize)..]), half, time, inSize, backwards);
        Assert.Equal(whole, top.Concat(bottom).ToArray());
        // states: h of every row, then c of every row
        int hu = half * u;
        Assert.Equal(wholeStates, topStates[..hu].Concat(bottomStates[..hu]).Concat(topStates[hu..]).Concat(bottomStates[hu..]).ToArray());

        var (expected, _, _) = RnnDriverTests.ReferenceLstm(x, batch, time, inSize, u, W, U, bias, null, backwards, null, null);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], double.CreateTruncating(whole[i]), tolerance);
    }
}
