using System.Numerics;

namespace KerasPort.Tests.Compute;

/// <summary>
/// Comparison helpers for the kernel tests. Tolerances are stated in units of the unit roundoff
/// u = 2^-24 (float) / 2^-53 (double), or in ulps of the expected value, and each test documents why its bound holds.
/// Results whose magnitude falls below the smallest normal number are compared with an absolute slack of a few
/// times that number (subnormal results carry fewer significant bits by construction).
/// </summary>
internal static class KernelAssert
{
    /// <summary>Unit roundoff of T (half an ulp of 1).</summary>
    public static double U<T>() where T : IFloatingPointIeee754<T> => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    /// <summary>Smallest positive normal value of T.</summary>
    public static double MinNormal<T>() => typeof(T) == typeof(float) ? 1.1754943508222875e-38 : 2.2250738585072014e-308;

    /// <summary>Spacing of T at |v| (one ulp).</summary>
    public static double Ulp<T>(T v) where T : IFloatingPointIeee754<T>
    {
        T a = T.Abs(v);
        if (T.IsInfinity(a) || T.IsNaN(a)) return double.PositiveInfinity;
        T next = T.BitIncrement(a);
        if (T.IsInfinity(next)) next = a; // at the largest finite value use the previous spacing
        return T.IsInfinity(next) ? 0 : Math.Max(double.CreateTruncating(next) - double.CreateTruncating(a), double.CreateTruncating(a) - double.CreateTruncating(T.BitDecrement(a)));
    }

    /// <summary>Both NaN, equal (±0 equal, same infinities), or within tolerance.</summary>
    public static bool Close<T>(T actual, T expected, double tolerance) where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(expected) || T.IsNaN(actual)) return T.IsNaN(expected) && T.IsNaN(actual);
        if (actual == expected) return true;
        if (T.IsInfinity(expected) || T.IsInfinity(actual)) return false;
        return Math.Abs(double.CreateTruncating(actual) - double.CreateTruncating(expected)) <= tolerance;
    }

    /// <summary>Asserts <see cref="Close{T}"/> with a message naming the case.</summary>
    public static void Within<T>(T actual, T expected, double tolerance, string context) where T : IFloatingPointIeee754<T>
    {
        if (!Close(actual, expected, tolerance))
            Assert.Fail($"{context}: got {actual:R}, expected {expected:R} (difference {Math.Abs(double.CreateTruncating(actual) - double.CreateTruncating(expected)):R}, tolerance {tolerance:R})");
    }

    /// <summary>Bitwise-equal values (NaN equals NaN, +0 equals −0).</summary>
    public static void Same<T>(T actual, T expected, string context) where T : IFloatingPointIeee754<T>
        => Within(actual, expected, 0, context);

    /// <summary>Random values uniform in [lo, hi).</summary>
    public static T[] Uniform<T>(Random rnd, int n, double lo, double hi) where T : IFloatingPointIeee754<T>
    {
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = T.CreateTruncating(lo + (hi - lo) * rnd.NextDouble());
        return a;
    }
}
