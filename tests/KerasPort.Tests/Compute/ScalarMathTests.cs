using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>The double-precision helpers behind the references, against published constants and independent computations.</summary>
[Trait("Category", "Kernels")]
public class ScalarMathTests
{
    // erf to 21 significant digits (Abramowitz & Stegun table 7.1 / any CAS).
    [Theory]
    [InlineData(0.5, 0.520499877813046537683)]
    [InlineData(1.0, 0.842700792949714869341)]
    [InlineData(1.5, 0.966105146475310727067)]
    [InlineData(2.0, 0.995322265018952734162)]
    [InlineData(2.5, 0.999593047982555041060)]
    [InlineData(3.0, 0.999977909503001414558)]
    [InlineData(3.5, 0.999999256901627658587)]
    [InlineData(4.0, 0.999999984582742099720)]
    [InlineData(0.1, 0.112462916018284892203)]
    public void Erf_matches_published_values(double x, double expected)
    {
        // The arguments are exact doubles; allow 4 ulp of the value (a few roundings in the series or fraction).
        Assert.InRange(Math.Abs(ScalarMath.Erf(x) - expected), 0, 4 * (Math.BitIncrement(expected) - expected));
        Assert.Equal(-ScalarMath.Erf(x), ScalarMath.Erf(-x));
    }

    [Fact]
    public void Erf_small_large_and_special_arguments()
    {
        // erf(x) = 2x/√π (1 − x²/3 + …): the x² term is below double precision at 1e-9.
        Assert.Equal(2e-9 / Math.Sqrt(Math.PI), ScalarMath.Erf(1e-9), 15);
        Assert.Equal(0.0, ScalarMath.Erf(0.0));
        Assert.Equal(1.0, ScalarMath.Erf(7.0));
        Assert.Equal(-1.0, ScalarMath.Erf(double.NegativeInfinity));
        Assert.Equal(1.0, ScalarMath.Erf(double.PositiveInfinity));
        Assert.True(double.IsNaN(ScalarMath.Erf(double.NaN)));
    }

    [Fact]
    public void Erf_agrees_with_composite_simpson_integration()
    {
        // Independent computation: erf(x) = 2/√π ∫₀ˣ e^{−t²} dt by Simpson's rule with 4000 intervals
        // (error ≤ x·h⁴·max|f⁗|/180 ≈ 1e-15 for x ≤ 5), compared at 1e-14 absolute.
        for (double x = 0.05; x <= 5.0; x += 0.05)
        {
            const int n = 4000;
            double h = x / n, s = 1 + Math.Exp(-x * x);
            for (int i = 1; i < n; i++) { double t = i * h; s += (i % 2 == 1 ? 4 : 2) * Math.Exp(-t * t); }
            double simpson = 2 / Math.Sqrt(Math.PI) * s * h / 3;
            Assert.True(Math.Abs(ScalarMath.Erf(x) - simpson) < 1e-14, $"erf({x}) = {ScalarMath.Erf(x):R}, Simpson {simpson:R}");
        }
    }

    [Fact]
    public void Expm1_and_log1p_against_series_and_plain_formulas()
    {
        for (double x = -0.1; x <= 0.1; x += 0.0013)
        {
            // Taylor series to 30 terms: truncation ≤ 0.1^31/31 ≈ 3e-33 (log1p), far below double precision.
            double term = x, e = 0, l = 0, p = x;
            for (int n = 1; n <= 30; n++) { e += term; term *= x / (n + 1); l += (n % 2 == 1 ? 1 : -1) * p / n; p *= x; }
            // Kahan's formulas are within 5u (Goldberg 1991, theorem 4); the 30-term sums add ≤ 2u: 7u ≈ 8e-16.
            Assert.True(Math.Abs(ScalarMath.Expm1(x) - e) <= 8e-16 * Math.Abs(e), $"expm1({x:R})");
            Assert.True(Math.Abs(ScalarMath.Log1p(x) - l) <= 8e-16 * Math.Abs(l), $"log1p({x:R})");
        }
        foreach (double x in new[] { -30.0, -3, -1, 1, 2, 10, 50 })
        {
            // Away from 0 the plain formulas lose at most a couple of bits.
            Assert.Equal(Math.Exp(x) - 1, ScalarMath.Expm1(x), 1e-15 * Math.Max(1, Math.Exp(x)));
            if (x > -1) Assert.Equal(Math.Log(1 + x), ScalarMath.Log1p(x), 1e-15 * Math.Abs(Math.Log(1 + x)));
        }
        Assert.Equal(1e-300, ScalarMath.Expm1(1e-300));
        Assert.Equal(1e-300, ScalarMath.Log1p(1e-300));
        Assert.Equal(-1.0, ScalarMath.Expm1(-1000));
        Assert.True(double.IsPositiveInfinity(ScalarMath.Expm1(1000)));
    }

    [Fact]
    public void Series_literals_match_their_defining_recurrences()
    {
        // tanh: a_0 = 1, (2n+1)·a_n = −Σ_{i+j=n−1} a_i·a_j (T' = 1 − T²), computed here independently.
        var a = new double[19];
        a[0] = 1;
        for (int n = 1; n <= 18; n++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += a[i] * a[n - 1 - i];
            a[n] = -s / (2 * n + 1);
        }
        // The textbook start of the series: x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925.
        double[] known = [-1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835, -1382.0 / 155925];
        for (int i = 0; i < known.Length; i++) Assert.Equal(known[i], a[i + 1], 1e-17);
        double[] literals =
        [
            Series.Tanh1, Series.Tanh2, Series.Tanh3, Series.Tanh4, Series.Tanh5, Series.Tanh6, Series.Tanh7, Series.Tanh8, Series.Tanh9,
            Series.Tanh10, Series.Tanh11, Series.Tanh12, Series.Tanh13, Series.Tanh14, Series.Tanh15, Series.Tanh16, Series.Tanh17, Series.Tanh18,
        ];
        for (int i = 0; i < 18; i++) Assert.True(Math.Abs(literals[i] - a[i + 1]) <= 1e-15 * Math.Abs(a[i + 1]), $"a_{i + 1}");

        double[] inverseFactorials =
        [
            Series.InvFact2, Series.InvFact3, Series.InvFact4, Series.InvFact5, Series.InvFact6, Series.InvFact7, Series.InvFact8, Series.InvFact9,
            Series.InvFact10, Series.InvFact11, Series.InvFact12, Series.InvFact13, Series.InvFact14, Series.InvFact15, Series.InvFact16, Series.InvFact17,
        ];
        double f = 1;
        for (int n = 2; n <= 17; n++) { f *= n; Assert.True(Math.Abs(inverseFactorials[n - 2] - 1 / f) <= 1e-16 / f, $"1/{n}!"); }
    }
}
