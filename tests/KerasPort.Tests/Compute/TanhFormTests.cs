using System.Runtime.Intrinsics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// Float tanh's vector form folds the −2 of y = −2·min(|x|, 9) and the final negation into its constants; its
/// documentation says that every value is then the direct form's times a power of two, so the bits are the direct
/// form's. The direct form is written out here in scalar float arithmetic (a multiply-add where the kernel has one,
/// fused or not as the width's multiply-add is on this machine: not fused without FMA), and the vector form must give
/// its bits at every vector width the machine runs, on a stride through all float bit patterns and on the special
/// arguments (NaN only has to stay NaN).
/// </summary>
[Trait("Category", "Kernels")]
public class TanhFormTests
{
    // the degree-5 fit of (e^r − 1 − r)/r² on [−ln2/2, ln2/2] that the kernel documents
    private static readonly float[] Q =
    [
        (float)5.000000013457727153e-1, (float)1.6666666681614255706e-1, (float)4.1666465006040048761e-2,
        (float)8.3333109344488684687e-3, (float)1.393364103198670115e-3, (float)1.9890980869750325563e-4,
    ];

    /// <summary>tanh(x) = ±(−E/(2 + E)), E = expm1(y), y = −2·min(|x|, 9), as written before the constants were folded.</summary>
    private static float DirectForm(float x, bool fused)
    {
        float Fma(float a, float b, float c) => fused ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;
        float abs = MathF.Abs(x);
        float y = MathF.Min(abs, 9f) * -2f;
        float t = Fma(y, (float)1.4426950408889634, 12582912f);
        float n = t - 12582912f;
        float r = Fma(n, -0.693359375f, y);
        r = Fma(n, (float)2.12194440054690583e-4, r);
        float q = Q[5];
        for (int i = 4; i >= 0; i--) q = Fma(q, r, Q[i]);
        float em1r = Fma(r * r, q, r);
        float scale = BitConverter.Int32BitsToSingle((127 + (int)n) << 23); // n ∈ [−26, 0]
        float em1 = Fma(scale, em1r, scale - 1f);
        return MathF.CopySign((0f - em1) / (em1 + 2f), x);
    }

    /// <summary>Whether TS's multiply-add rounds once: (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused, 0 when the product is rounded first.</summary>
    private static bool Fused<TV, TS>() where TV : struct where TS : ISimdOps<TV, float>
    {
        float a = 1f + MathF.Pow(2, -12);
        var lanes = new float[TS.Count];
        TS.Store(TS.MulAdd(TS.Splat(a), TS.Splat(a), TS.Splat(-(1 + Math.Pow(2, -11)))), ref lanes[0]);
        return lanes[0] != 0f;
    }

    private static float[] Arguments()
    {
        var values = new List<float>
        {
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1e-30f, 1e-8f, -1e-8f, 0.1f, -0.55f, 1f, 8.99f, 9f, -9f,
            9.01f, 20f, float.MaxValue, -float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(unchecked((int)0xFF800001)),
        };
        for (long bits = 0; bits <= uint.MaxValue; bits += 4099) values.Add(BitConverter.UInt32BitsToSingle((uint)bits));
        return [.. values];
    }

    [Fact]
    public void Vector_tanh_has_the_bits_of_the_direct_form()
    {
        var xs = Arguments();
        int checkedWidths = 0;
        if (Vector128.IsHardwareAccelerated) { Check<Vector128<float>, V128<float>>(xs); checkedWidths++; }
        if (Vector256.IsHardwareAccelerated) { Check<Vector256<float>, V256<float>>(xs); checkedWidths++; }
        if (Vector512.IsHardwareAccelerated) { Check<Vector512<float>, V512<float>>(xs); checkedWidths++; }
        // with hardware intrinsics disabled there is no vector width to check (and the kernels do not run)
        Assert.True(checkedWidths > 0 || !Vector128.IsHardwareAccelerated);
    }

    private static void Check<TV, TS>(float[] xs) where TV : struct where TS : ISimdOps<TV, float>
    {
        int lanes = TS.Count;
        bool fused = Fused<TV, TS>();
        var input = new float[lanes];
        var output = new float[lanes];
        var pair = new float[lanes];
        for (int start = 0; start + 2 * lanes <= xs.Length; start += 2 * lanes)
        {
            Array.Copy(xs, start, input, 0, lanes);
            TS.Store(VectorMath.Tanh<float, TV, TS>(TS.Load(ref input[0])), ref output[0]);
            for (int l = 0; l < lanes; l++) AssertDirect(input[l], output[l], fused, lanes, "Tanh");
            TV v0 = TS.Load(ref xs[start]), v1 = TS.Load(ref xs[start + lanes]);
            VectorMath.Tanh2<float, TV, TS>(ref v0, ref v1);
            TS.Store(v0, ref output[0]);
            TS.Store(v1, ref pair[0]);
            for (int l = 0; l < lanes; l++)
            {
                AssertDirect(xs[start + l], output[l], fused, lanes, "Tanh2");
                AssertDirect(xs[start + lanes + l], pair[l], fused, lanes, "Tanh2");
            }
        }
    }

    private static void AssertDirect(float x, float actual, bool fused, int lanes, string name)
    {
        if (float.IsNaN(x))
        {
            Assert.True(float.IsNaN(actual), $"{name} × {lanes} lanes: NaN gave {actual}");
            return;
        }
        float expected = DirectForm(x, fused);
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{name} × {lanes} lanes ({(fused ? "fused" : "unfused")} multiply-add) at x = {x:R} (0x{BitConverter.SingleToInt32Bits(x):X8}): direct form {expected:R}, vector form {actual:R}");
    }
}
