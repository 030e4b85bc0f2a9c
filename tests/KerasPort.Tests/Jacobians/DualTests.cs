using KerasPort.Compute.Jacobians;

namespace KerasPort.Tests.Jacobians;

/// <summary>Dual-number derivatives against the closed-form derivatives of each function, written out here.</summary>
public class DualTests
{
    private static Dual<double> X(double v) => new(v, 1.0);

    // value and derivative are each one or two correctly-rounded operations away from the closed form: 1e-15 relative
    private static void Check(Dual<double> d, double value, double derivative)
    {
        Assert.Equal(value, d.Value);
        Assert.True(Math.Abs(d.Tangent - derivative) <= 1e-15 * Math.Max(1, Math.Abs(derivative)), $"derivative {d.Tangent:R}, expected {derivative:R}");
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(-1.7)]
    [InlineData(2.5)]
    public void ElementaryFunctions(double v)
    {
        Check(Dual<double>.Exp(X(v)), Math.Exp(v), Math.Exp(v));
        Check(Dual<double>.Tanh(X(v)), Math.Tanh(v), 1 - Math.Tanh(v) * Math.Tanh(v));
        Check(Dual<double>.Sin(X(v)), Math.Sin(v), Math.Cos(v));
        Check(Dual<double>.Cos(X(v)), Math.Cos(v), -Math.Sin(v));
        Check(Dual<double>.Atan(X(v)), Math.Atan(v), 1 / (1 + v * v));
        Check(Dual<double>.Sinh(X(v)), Math.Sinh(v), Math.Cosh(v));
        Check(Dual<double>.Abs(X(v)), Math.Abs(v), Math.Sign(v));
        var a = Math.Abs(v);
        Check(Dual<double>.Log(X(a)), Math.Log(a), 1 / a);
        Check(Dual<double>.Sqrt(X(a)), Math.Sqrt(a), 0.5 / Math.Sqrt(a));
        Check(Dual<double>.Pow(X(a), new Dual<double>(2.5)), Math.Pow(a, 2.5), 2.5 * Math.Pow(a, 1.5));
        Check(Dual<double>.Pow(new Dual<double>(2.5), X(v)), Math.Pow(2.5, v), Math.Pow(2.5, v) * Math.Log(2.5));
        Check(Dual<double>.Atan2(X(v), new Dual<double>(0.7)), Math.Atan2(v, 0.7), 0.7 / (0.49 + v * v));
    }

    private static T CreateTruncating<T>(double v) where T : System.Numerics.INumberBase<T> => T.CreateTruncating(v);
    private static T CreateChecked<T, TFrom>(TFrom v) where T : System.Numerics.INumberBase<T> where TFrom : System.Numerics.INumberBase<TFrom> => T.CreateChecked(v);

    [Fact]
    public void Arithmetic_ProductQuotientAndConstants()
    {
        var x = X(1.5);
        Check(x * x * x, 1.5 * 1.5 * 1.5, 3 * 1.5 * 1.5);
        Check(Dual<double>.One / x, 1 / 1.5, -1 / (1.5 * 1.5));
        // sigmoid as the cells write it: 1 / (1 + exp(−x)); σ′ = σ(1 − σ)
        var s = Dual<double>.One / (Dual<double>.One + Dual<double>.Exp(-x));
        double sv = 1 / (1 + Math.Exp(-1.5));
        Check(s, sv, sv * (1 - sv));
        // constants created from other number types carry no tangent
        var c = double.CreateTruncating(1.4);
        var dc = CreateTruncating<Dual<double>>(1.4);
        Assert.Equal(c, dc.Value);
        Assert.Equal(0.0, dc.Tangent);
        Assert.Equal(0.0f, CreateChecked<Dual<float>, int>(3).Tangent);
        Assert.Equal(3.0f, CreateChecked<Dual<float>, int>(3).Value);
        Assert.Equal(1.5, double.CreateTruncating(x));
    }

    [Fact]
    public void PiecewiseFunctions_FollowTheBranchOfTheValue()
    {
        var lo = new Dual<double>(0.0);
        var hi = new Dual<double>(1.0);
        Assert.Equal(1.0, Dual<double>.Clamp(X(0.4), lo, hi).Tangent);  // inside: slope 1
        Assert.Equal(0.0, Dual<double>.Clamp(X(1.4), lo, hi).Tangent);  // clipped: slope 0
        Assert.Equal(1.0, Dual<double>.Max(X(0.4), lo).Tangent);
        Assert.Equal(0.0, Dual<double>.Max(X(-0.4), lo).Tangent);
        Assert.Equal(0.0, Dual<double>.Round(X(2.4)).Tangent);
        Assert.True(X(0.4) < X(0.5));
        Assert.True(new Dual<double>(0.4, 7) == new Dual<double>(0.4, -1)); // comparisons look at values
    }
}
