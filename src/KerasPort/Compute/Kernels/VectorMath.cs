using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Transcendental functions over one vector, generic over element type and width. Accuracy (measured by the
/// Kernels tests against double-precision references): exp ≤ 2 ulp, tanh ≤ 3 ulp, sigmoid ≤ 4 ulp,
/// expm1 ≤ 3 ulp, log1p/softplus ≤ 4 ulp, for both float and double.
/// </summary>
internal static class VectorMath
{
    /// <summary>e^x. Float: Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, degree-7 Taylor (truncation ≤ 0.13 ulp),
    /// scaled by 2^n in two steps so subnormal results round once; double: the runtime's vector exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        if (typeof(T) == typeof(double)) return TS.ExpRuntime(x);
        TV xc = TS.MinNative(TS.MaxNative(x, TS.Splat(-104.0)), TS.Splat(89.0));
        TV n = TS.Round(TS.Mul(xc, TS.Splat(1.4426950408889634)));
        // ln2 = 0.693359375 (9 significant bits: n·hi is exact) − 2.12194440054690583e-4
        TV r = TS.MulAdd(n, TS.Splat(-0.693359375), xc);
        r = TS.MulAdd(n, TS.Splat(2.12194440054690583e-4), r);
        TV p = TS.Splat(1.0 / 5040);
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 720));
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 120));
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 24));
        p = TS.MulAdd(p, r, TS.Splat(1.0 / 6));
        p = TS.MulAdd(p, r, TS.Splat(0.5));
        p = TS.MulAdd(p, r, TS.Splat(1.0));
        p = TS.MulAdd(p, r, TS.Splat(1.0));
        TV half = TS.Round(TS.Mul(n, TS.Splat(0.5)));
        TV result = TS.Mul(TS.Mul(p, TS.Pow2(half)), TS.Pow2(TS.Sub(n, half)));
        return TS.Select(TS.IsNaN(x), x, result);
    }

    /// <summary>e^x − 1 without cancellation: Taylor series for |x| &lt; 0.7, e^x − 1 beyond.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Expm1<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV large = TS.Sub(Exp<T, TV, TS>(x), TS.Splat(1.0));
        TV small = TS.LessThan(TS.Abs(x), TS.Splat(Series.Expm1SeriesLimit));
        if (!TS.Any(small)) return large;
        ReadOnlySpan<T> c = typeof(T) == typeof(float)
            ? MemoryMarshal.Cast<float, T>(Series.Expm1Single.AsSpan())
            : MemoryMarshal.Cast<double, T>(Series.Expm1Double.AsSpan());
        TV p = TS.Splat(c[^1]);
        for (int i = c.Length - 2; i >= 0; i--) p = TS.MulAdd(p, x, TS.Splat(c[i]));
        // x + x²·(1/2! + x/3! + …)
        TV series = TS.MulAdd(TS.Mul(x, x), p, x);
        return TS.Select(small, series, large);
    }

    /// <summary>tanh(x): odd Taylor series for |x| &lt; 0.55, else ±(1 − 2/(e^{2|x|} + 1)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV a = TS.Abs(x);
        TV e = Exp<T, TV, TS>(TS.Add(a, a));
        TV t = TS.Sub(TS.Splat(1.0), TS.Div(TS.Splat(2.0), TS.Add(e, TS.Splat(1.0))));
        TV large = TS.Xor(t, TS.Xor(x, a)); // copy the sign of x onto t
        TV small = TS.LessThan(a, TS.Splat(Series.TanhSeriesLimit));
        if (!TS.Any(small)) return large;
        ReadOnlySpan<T> c = typeof(T) == typeof(float)
            ? MemoryMarshal.Cast<float, T>(Series.TanhSingle.AsSpan())
            : MemoryMarshal.Cast<double, T>(Series.TanhDouble.AsSpan());
        TV s = TS.Mul(x, x);
        TV p = TS.Splat(c[^1]);
        for (int i = c.Length - 2; i >= 0; i--) p = TS.MulAdd(p, s, TS.Splat(c[i]));
        TV series = TS.MulAdd(TS.Mul(x, s), p, x);
        return TS.Select(small, series, large);
    }

    /// <summary>sigmoid(x) = 1 / (1 + e^{−x}), Keras's formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV e = Exp<T, TV, TS>(TS.Sub(TS.Splat(0.0), x));
        return TS.Div(TS.Splat(1.0), TS.Add(TS.Splat(1.0), e));
    }

    /// <summary>log(1 + y) for y ≥ 0 with the rounding of 1 + y corrected: log(u) − ((u − 1) − y)/u, u = 1 + y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pNonNegative<T, TV, TS>(TV y) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV u = TS.Add(TS.Splat(1.0), y);
        TV corr = TS.Div(TS.Sub(TS.Sub(u, TS.Splat(1.0)), y), u);
        // When 1 + y rounds to 1: log(1) − (0 − y)/1 = y, as it should.
        return TS.Sub(TS.LogRuntime(u), corr);
    }

    /// <summary>softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^{−|x|}).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus<T, TV, TS>(TV x) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        TV e = Exp<T, TV, TS>(TS.Sub(TS.Splat(0.0), TS.Abs(x)));
        TV pos = TS.MaxNative(x, TS.Splat(0.0));
        TV r = TS.Add(pos, Log1pNonNegative<T, TV, TS>(e));
        return TS.Select(TS.IsNaN(x), x, r);
    }
}
