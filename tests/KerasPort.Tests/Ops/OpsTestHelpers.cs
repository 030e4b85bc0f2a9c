using System.Numerics;

namespace KerasPort.Tests.Ops;

/// <summary>Conversions and tolerance checks shared by the op tests (each test runs for float and double).</summary>
internal static class H
{
    /// <summary>Converts double literals to T (rounding to nearest, as Keras converts Python floats to the tensor dtype).</summary>
    public static T[] A<T>(params double[] v) where T : IFloatingPointIeee754<T> => v.Select(T.CreateTruncating).ToArray();

    /// <summary>Relative tolerance of a few units in the last place of T.</summary>
    public static double Tol<T>() => typeof(T) == typeof(float) ? 2e-6 : 1e-13;

    /// <summary>Asserts |actual − expected| ≤ tol · max(|expected|, 1e-3) elementwise (NaN must match NaN).</summary>
    public static void Close<T>(double[] expected, ReadOnlySpan<T> actual, double? tol = null) where T : IFloatingPointIeee754<T>
    {
        double t = tol ?? Tol<T>();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            double e = expected[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"[{i}] expected NaN, got {a}"); continue; }
            if (double.IsInfinity(e)) { Assert.Equal(e, a); continue; }
            Assert.True(Math.Abs(a - e) <= t * Math.Max(Math.Abs(e), 1e-3), $"[{i}] expected {e:R}, got {a:R} ({typeof(T).Name})");
        }
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ tol · scale elementwise, where scale[i] is the sum of the magnitudes of the terms that
    /// made expected[i] (the right error bound for sums with cancellation).
    /// </summary>
    public static void CloseScaled<T>(double[] expected, double[] scale, ReadOnlySpan<T> actual, double tol) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            Assert.True(Math.Abs(a - expected[i]) <= tol * Math.Max(scale[i], 1e-30), $"[{i}] expected {expected[i]:R}, got {a:R} ({typeof(T).Name})");
        }
    }

    /// <summary>Asserts exact equality (for cases whose arithmetic is exact in both float and double).</summary>
    public static void Exact<T>(double[] expected, ReadOnlySpan<T> actual) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(double.CreateTruncating(actual[i]).Equals(expected[i]), $"[{i}] expected {expected[i]:R}, got {actual[i]} ({typeof(T).Name})");
    }

    /// <summary>Deterministic pseudo-random values in [-2, 2) with a few decimals (exactly the same for float and double inputs).</summary>
    public static double[] Rand(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Math.Round(r.NextDouble() * 4 - 2, 3)).ToArray();
    }

    /// <summary>Values of a T array widened to double.</summary>
    public static double[] D<T>(T[] v) where T : IFloatingPointIeee754<T> => v.Select(double.CreateTruncating).ToArray();
}
