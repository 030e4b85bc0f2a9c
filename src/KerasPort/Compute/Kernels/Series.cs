namespace KerasPort.Compute.Kernels;

/// <summary>
/// Power-series coefficients the vector math evaluates near zero, derived at start-up from their defining
/// recurrences (no transcribed constants): tanh from T' = 1 − T², expm1 from 1/n!.
/// </summary>
internal static class Series
{
    /// <summary>Below this |x| tanh uses its odd Taylor series; above it 1 − 2/(e^{2|x|} + 1), whose rounding error is then amplified by less than 0.82.</summary>
    public const double TanhSeriesLimit = 0.55;

    /// <summary>Below this |x| expm1 uses its Taylor series; above it e^x − 1 loses at most one bit (e^x/(e^x − 1) ≤ 2).</summary>
    public const double Expm1SeriesLimit = 0.7;

    /// <summary>
    /// tanh(x) = Σ a_n x^{2n+1}; a_0 = 1 and (2n+1)·a_n = −Σ_{i+j=n−1} a_i·a_j (from T' = 1 − T²). Returns a_1..a_count.
    /// </summary>
    public static double[] TanhCoefficients(int count)
    {
        var a = new double[count + 1];
        a[0] = 1;
        for (int n = 1; n <= count; n++)
        {
            double s = 0;
            for (int i = 0; i <= n - 1; i++) s += a[i] * a[n - 1 - i];
            a[n] = -s / (2 * n + 1);
        }
        return a[1..];
    }

    /// <summary>1/n! for n = 2..last (expm1(x) = x + x²/2! + …).</summary>
    public static double[] InverseFactorials(int last)
    {
        var c = new double[last - 1];
        double f = 1;
        for (int n = 2; n <= last; n++) { f *= n; c[n - 2] = 1 / f; }
        return c;
    }

    // Truncation: the first omitted tanh term at |x| = 0.55 is |a_9|·0.55^18 ≈ 5e-9 (float, 8 terms kept: 0.1 ulp)
    // and |a_19|·0.55^38 ≈ 4e-18 (double, 18 kept). For expm1 at |x| = 0.7 the first omitted term relative to x
    // is 0.7^10/11! ≈ 7e-10 (float, up to x^10) and 0.7^17/18! ≈ 4e-19 (double, up to x^17).
    public static readonly double[] TanhDouble = TanhCoefficients(18);
    public static readonly float[] TanhSingle = Array.ConvertAll(TanhCoefficients(8), v => (float)v);
    public static readonly double[] Expm1Double = InverseFactorials(17);
    public static readonly float[] Expm1Single = Array.ConvertAll(InverseFactorials(10), v => (float)v);
}
