using KerasPort.Cells;
using KerasPort.Compute.Recurrent;
using KerasPort.Model;

namespace KerasPort.Tests.Cells;

/// <summary>Helpers shared by the cell and Jacobian tests: random data and a one-call RNN driver run.</summary>
internal static class CellTestMath
{
    public static double[] Random(Random rng, int n, double scale)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Values that are exactly representable in float32 (as weights read from a float32 file are).</summary>
    public static double[] RandomF32(Random rng, int n, double scale) => Random(rng, n, scale).Select(v => (double)(float)v).ToArray();

    /// <summary>Keras's order by hand: construct and build the cell through <paramref name="make"/>, then load <paramref name="weights"/>.</summary>
    public static TCell Loaded<TCell>(CustomCellContext context, Func<CustomCellContext, TCell> make, params WeightTensor[] weights) where TCell : CustomCell
    {
        var cell = make(context);
        context.LoadWeights(weights);
        return cell;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Runs the RNN driver; states are in the driver's block layout (state k: batch × size_k).</summary>
    public static (double[] Sequence, double[] Last, double[] States) Run(IRecurrentCell<double> cell, double[] inputs, int batch, int time,
        double[] initialStates, bool[]? mask = null, bool goBackwards = false, bool zeroOutputForMask = false)
    {
        var states = (double[])initialStates.Clone();
        var seq = new double[batch * time * cell.OutputSize];
        var last = new double[batch * cell.OutputSize];
        RnnDriver.Run(cell, inputs, batch, time, mask ?? [], goBackwards, zeroOutputForMask, states, seq, last, new RnnWorkspace<double>());
        return (seq, last, states);
    }

    public static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        if (!(Math.Abs(expected - actual) <= tolerance))
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(expected - actual):E2} > {tolerance:E2})");
    }
}
