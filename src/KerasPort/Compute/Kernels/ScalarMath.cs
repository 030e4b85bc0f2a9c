namespace KerasPort.Compute.Kernels;

/// <summary>
/// Double-precision scalar functions .NET's Math lacks (or implements as plain <c>exp(x) − 1</c> /
/// <c>log(1 + x)</c>): erf, expm1, log1p. Used by the reference paths and by the scalar fallbacks.
/// </summary>
public static class ScalarMath
{
    private const double TwoOverSqrtPi = 1.1283791670955125739;   // 2/√π
    private const double OneOverSqrtPi = 0.56418958354775628695;  // 1/√π

    /// <summary>
    /// The error function erf(x) = 2/√π ∫₀ˣ e^{−t²} dt, accurate to a few units in the last place of a double.
    /// |x| &lt; 2: the positive series erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (no cancellation,
    /// compensated summation), with x² split exactly into hi + lo so that e^{−x²} is not perturbed by the rounding of x².
    /// |x| ≥ 2: 1 − erfc(x) with erfc from its continued fraction (modified Lentz); erfc ≤ 0.0047 there, so its
    /// relative error shrinks by that factor in the result.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        double r;
        if (a < 2.0)
        {
            double sum = a, comp = 0, term = a, x2 = a * a;
            for (int n = 1; n < 200; n++)
            {
                term *= 2 * x2 / (2 * n + 1);
                // Neumaier summation: the rounding error of each addition is carried in comp.
                double t = sum + term;
                comp += sum >= term ? (sum - t) + term : (term - t) + sum;
                sum = t;
                if (term < sum * 1e-18) break;
            }
            sum += comp;
            r = TwoOverSqrtPi * ExpMinusSquare(a) * sum;
        }
        else
        {
            r = a > 6.5 ? 1.0 : 1.0 - ErfcContinuedFraction(a);
        }
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) = 1 − erf(x) for x ≥ 2 from the continued fraction
    /// erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))).</summary>
    private static double ErfcContinuedFraction(double x)
    {
        // f = b0 + a1/(b1 + a2/(b2 + …)) with b_j = x, a_j = j/2; modified Lentz.
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int j = 1; j < 5000; j++)
        {
            double aj = j * 0.5;
            d = x + aj * d; if (d == 0) d = tiny; d = 1 / d;
            c = x + aj / c; if (c == 0) c = tiny;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-17) break;
        }
        return OneOverSqrtPi * ExpMinusSquare(x) / f;
    }

    /// <summary>e^{−x²} with x² = hi + lo exactly (FMA), so e^{−x²} = e^{−hi}·(1 − lo) to double precision.</summary>
    private static double ExpMinusSquare(double x)
    {
        double hi = x * x;
        double lo = Math.FusedMultiplyAdd(x, x, -hi);
        return Math.Exp(-hi) * (1 - lo);
    }

    /// <summary>e^x − 1 without cancellation near 0 (Kahan's trick: (u − 1)·x / log u with u = e^x).</summary>
    public static double Expm1(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x > 700) return Math.Exp(x);
        if (x < -40) return -1.0;
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        return um1 * x / Math.Log(u);
    }

    /// <summary>log(1 + x) without cancellation near 0 (Kahan's trick: log(u)·x / (u − 1) with u = 1 + x).</summary>
    public static double Log1p(double x)
    {
        if (double.IsNaN(x) || double.IsPositiveInfinity(x)) return x;
        double u = 1.0 + x;
        if (u == 1.0) return x;
        return Math.Log(u) * x / (u - 1.0);
    }
}
