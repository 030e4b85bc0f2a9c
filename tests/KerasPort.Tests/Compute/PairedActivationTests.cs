using System.Numerics;
using System.Runtime.Intrinsics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// The two-vector forms of sigmoid and tanh (<see cref="PairedActivation"/>, used by the LSTM step kernel's two-block
/// gates) give the one-vector form's bits lane for lane, at every vector width the machine runs, float and double,
/// including the clamped, saturated and special arguments (the one-vector form is itself checked against the
/// double-precision reference in <see cref="ActivationFunctionsTests"/>).
/// </summary>
[Trait("Category", "Kernels")]
public class PairedActivationTests
{
    private static double[] Arguments()
    {
        var rng = new Random(20261123);
        var values = new List<double>
        {
            0, -0.0, 1e-30, -1e-30, 1e-45, 0.5, -0.5, 8.99, 9, 9.01, -9, 20, -20, 86.5, -86.5, 86.6, -86.6, 86.7, -86.7,
            88.7228, -88.7228, 88.73, -88.73, 100, -100, 1e30, -1e30,
            double.PositiveInfinity, double.NegativeInfinity, double.NaN,
        };
        for (int i = 0; i < 2000; i++) values.Add((rng.NextDouble() * 2 - 1) * (i % 3 == 0 ? 100 : 8));
        return [.. values];
    }

    [Fact]
    public void Sigmoid_and_tanh_pairs_match_the_single_form_bit_for_bit()
    {
        int checkedWidths = 0;
        if (Vector128.IsHardwareAccelerated) { Width<Vector128<float>, V128<float>, Vector128<double>, V128<double>>(); checkedWidths++; }
        if (Vector256.IsHardwareAccelerated) { Width<Vector256<float>, V256<float>, Vector256<double>, V256<double>>(); checkedWidths++; }
        if (Vector512.IsHardwareAccelerated) { Width<Vector512<float>, V512<float>, Vector512<double>, V512<double>>(); checkedWidths++; }
        // with hardware intrinsics disabled there is no vector width to check (and the kernels do not run)
        Assert.True(checkedWidths > 0 || !Vector128.IsHardwareAccelerated);
    }

    private static void Width<TF, TSF, TD, TSD>()
        where TF : struct where TSF : ISimdOps<TF, float> where TD : struct where TSD : ISimdOps<TD, double>
    {
        Check<float, TF, TSF, SigmoidOp<float>>(new SigmoidOp<float>(), "sigmoid");
        Check<float, TF, TSF, TanhOp<float>>(new TanhOp<float>(), "tanh");
        Check<float, TF, TSF, ReluOp<float>>(new ReluOp<float>(), "relu");
        Check<double, TD, TSD, SigmoidOp<double>>(new SigmoidOp<double>(), "sigmoid");
        Check<double, TD, TSD, TanhOp<double>>(new TanhOp<double>(), "tanh");
    }

    private static void Check<T, TV, TS, TOp>(TOp op, string name)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TOp : struct, IUnaryOp<T>
    {
        var xs = Arguments().Select(T.CreateTruncating).ToArray();
        int lanes = TS.Count;
        var a = new T[lanes];
        var b = new T[lanes];
        var single = new T[lanes];
        var pairA = new T[lanes];
        var pairB = new T[lanes];
        for (int start = 0; start + 2 * lanes <= xs.Length; start += lanes)
        {
            // the second vector is the next window, so every argument is seen in both positions
            Array.Copy(xs, start, a, 0, lanes);
            Array.Copy(xs, start + lanes, b, 0, lanes);
            TV va = TS.Load(ref a[0]), vb = TS.Load(ref b[0]);
            PairedActivation.Invoke<T, TV, TS, TOp>(op, ref va, ref vb);
            TS.Store(va, ref pairA[0]);
            TS.Store(vb, ref pairB[0]);
            TS.Store(op.Invoke<TV, TS>(TS.Load(ref a[0])), ref single[0]);
            for (int l = 0; l < lanes; l++) AssertSameBits(single[l], pairA[l], a[l], name, lanes);
            TS.Store(op.Invoke<TV, TS>(TS.Load(ref b[0])), ref single[0]);
            for (int l = 0; l < lanes; l++) AssertSameBits(single[l], pairB[l], b[l], name, lanes);
        }
    }

    private static void AssertSameBits<T>(T expected, T actual, T x, string name, int lanes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool same = typeof(T) == typeof(float)
            ? BitConverter.SingleToInt32Bits((float)(object)expected) == BitConverter.SingleToInt32Bits((float)(object)actual)
            : BitConverter.DoubleToInt64Bits((double)(object)expected) == BitConverter.DoubleToInt64Bits((double)(object)actual);
        Assert.True(same, $"{name}<{typeof(T).Name}> × {lanes} lanes at x = {x}: one vector gives {expected}, the pair {actual}");
    }
}
