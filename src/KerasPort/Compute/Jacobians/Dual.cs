using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace KerasPort.Compute.Jacobians;

/// <summary>
/// A forward-mode dual number v + t·ε (ε² = 0): <see cref="Value"/> is computed exactly as <typeparamref name="T"/> would
/// compute it, <see cref="Tangent"/> carries the exact derivative along one direction. It implements the full generic-math
/// surface of a floating-point type, so any cell step written over <c>T : IFloatingPointIeee754&lt;T&gt;</c> runs on it
/// unchanged and yields a column of its Jacobian. Comparisons, equality and classification look at the value only, so
/// branches (relu, clip, max) follow the primal computation. Functions that are piecewise constant (round, floor, sign)
/// have a zero tangent.
/// </summary>
internal readonly struct Dual<T> : IFloatingPointIeee754<Dual<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly T Value;
    public readonly T Tangent;

    public Dual(T value, T tangent)
    {
        Value = value;
        Tangent = tangent;
    }

    public Dual(T value)
    {
        Value = value;
        Tangent = T.Zero;
    }

    private static T Two => T.One + T.One;

    /// <summary>A value with tangent <paramref name="derivative"/>·<paramref name="x"/>.Tangent (the chain rule for f(x)).</summary>
    private static Dual<T> Chain(T value, T derivative, in Dual<T> x) => new(value, x.Tangent == T.Zero ? T.Zero : derivative * x.Tangent);

    // ---- constants ----
    public static Dual<T> One => new(T.One);
    public static Dual<T> Zero => new(T.Zero);
    public static Dual<T> NegativeOne => new(T.NegativeOne);
    public static int Radix => T.Radix;
    public static Dual<T> AdditiveIdentity => new(T.AdditiveIdentity);
    public static Dual<T> MultiplicativeIdentity => new(T.MultiplicativeIdentity);
    public static Dual<T> E => new(T.E);
    public static Dual<T> Pi => new(T.Pi);
    public static Dual<T> Tau => new(T.Tau);
    public static Dual<T> Epsilon => new(T.Epsilon);
    public static Dual<T> NaN => new(T.NaN);
    public static Dual<T> NegativeInfinity => new(T.NegativeInfinity);
    public static Dual<T> PositiveInfinity => new(T.PositiveInfinity);
    public static Dual<T> NegativeZero => new(T.NegativeZero);

    // ---- arithmetic ----
    public static Dual<T> operator +(Dual<T> value) => value;
    public static Dual<T> operator -(Dual<T> value) => new(-value.Value, -value.Tangent);
    public static Dual<T> operator +(Dual<T> left, Dual<T> right) => new(left.Value + right.Value, left.Tangent + right.Tangent);
    public static Dual<T> operator -(Dual<T> left, Dual<T> right) => new(left.Value - right.Value, left.Tangent - right.Tangent);
    public static Dual<T> operator *(Dual<T> left, Dual<T> right) =>
        new(left.Value * right.Value, left.Tangent * right.Value + left.Value * right.Tangent);
    public static Dual<T> operator /(Dual<T> left, Dual<T> right)
    {
        T q = left.Value / right.Value;
        return new(q, (left.Tangent - q * right.Tangent) / right.Value);
    }
    public static Dual<T> operator %(Dual<T> left, Dual<T> right)
    {
        // x % y = x − trunc(x / y)·y
        T n = T.Truncate(left.Value / right.Value);
        return new(left.Value % right.Value, left.Tangent - n * right.Tangent);
    }
    public static Dual<T> operator ++(Dual<T> value) => new(value.Value + T.One, value.Tangent);
    public static Dual<T> operator --(Dual<T> value) => new(value.Value - T.One, value.Tangent);

    // ---- comparison (value only) ----
    public static bool operator ==(Dual<T> left, Dual<T> right) => left.Value == right.Value;
    public static bool operator !=(Dual<T> left, Dual<T> right) => left.Value != right.Value;
    public static bool operator <(Dual<T> left, Dual<T> right) => left.Value < right.Value;
    public static bool operator >(Dual<T> left, Dual<T> right) => left.Value > right.Value;
    public static bool operator <=(Dual<T> left, Dual<T> right) => left.Value <= right.Value;
    public static bool operator >=(Dual<T> left, Dual<T> right) => left.Value >= right.Value;

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        Dual<T> d => CompareTo(d),
        _ => throw new ArgumentException($"object must be a {nameof(Dual<T>)}", nameof(obj)),
    };
    public int CompareTo(Dual<T> other) => Value.CompareTo(other.Value);
    public bool Equals(Dual<T> other) => Value.Equals(other.Value);
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Dual<T> d && Equals(d);
    public override int GetHashCode() => Value.GetHashCode();

    // ---- classification (value only) ----
    public static bool IsCanonical(Dual<T> value) => true;
    public static bool IsComplexNumber(Dual<T> value) => false;
    public static bool IsEvenInteger(Dual<T> value) => T.IsEvenInteger(value.Value);
    public static bool IsFinite(Dual<T> value) => T.IsFinite(value.Value);
    public static bool IsImaginaryNumber(Dual<T> value) => false;
    public static bool IsInfinity(Dual<T> value) => T.IsInfinity(value.Value);
    public static bool IsInteger(Dual<T> value) => T.IsInteger(value.Value);
    public static bool IsNaN(Dual<T> value) => T.IsNaN(value.Value);
    public static bool IsNegative(Dual<T> value) => T.IsNegative(value.Value);
    public static bool IsNegativeInfinity(Dual<T> value) => T.IsNegativeInfinity(value.Value);
    public static bool IsNormal(Dual<T> value) => T.IsNormal(value.Value);
    public static bool IsOddInteger(Dual<T> value) => T.IsOddInteger(value.Value);
    public static bool IsPositive(Dual<T> value) => T.IsPositive(value.Value);
    public static bool IsPositiveInfinity(Dual<T> value) => T.IsPositiveInfinity(value.Value);
    public static bool IsRealNumber(Dual<T> value) => T.IsRealNumber(value.Value);
    public static bool IsSubnormal(Dual<T> value) => T.IsSubnormal(value.Value);
    public static bool IsZero(Dual<T> value) => T.IsZero(value.Value);

    // ---- selection ----
    public static Dual<T> Abs(Dual<T> value) => T.IsNegative(value.Value) ? -value : value;
    public static Dual<T> Max(Dual<T> x, Dual<T> y)
    {
        // IEEE maximum: NaN propagates, +0 beats −0; the chosen operand keeps its tangent
        if (T.IsNaN(x.Value)) return x;
        if (T.IsNaN(y.Value)) return y;
        if (x.Value != y.Value) return x.Value > y.Value ? x : y;
        return T.IsNegative(x.Value) ? y : x;
    }
    public static Dual<T> Min(Dual<T> x, Dual<T> y)
    {
        if (T.IsNaN(x.Value)) return x;
        if (T.IsNaN(y.Value)) return y;
        if (x.Value != y.Value) return x.Value < y.Value ? x : y;
        return T.IsNegative(x.Value) ? x : y;
    }
    public static Dual<T> MaxNumber(Dual<T> x, Dual<T> y) => Pick(T.MaxNumber(x.Value, y.Value), x, y);
    public static Dual<T> MinNumber(Dual<T> x, Dual<T> y) => Pick(T.MinNumber(x.Value, y.Value), x, y);
    public static Dual<T> MaxMagnitude(Dual<T> x, Dual<T> y) => Pick(T.MaxMagnitude(x.Value, y.Value), x, y);
    public static Dual<T> MaxMagnitudeNumber(Dual<T> x, Dual<T> y) => Pick(T.MaxMagnitudeNumber(x.Value, y.Value), x, y);
    public static Dual<T> MinMagnitude(Dual<T> x, Dual<T> y) => Pick(T.MinMagnitude(x.Value, y.Value), x, y);
    public static Dual<T> MinMagnitudeNumber(Dual<T> x, Dual<T> y) => Pick(T.MinMagnitudeNumber(x.Value, y.Value), x, y);
    /// <summary>The operand whose value the primal selection returned (x on ties), so it keeps its tangent.</summary>
    private static Dual<T> Pick(T chosen, in Dual<T> x, in Dual<T> y) => chosen.Equals(x.Value) ? x : chosen.Equals(y.Value) ? y : new(chosen);
    public static Dual<T> Clamp(Dual<T> value, Dual<T> min, Dual<T> max)
    {
        if (min.Value > max.Value) throw new ArgumentException($"clamp: min {min.Value} is greater than max {max.Value}");
        if (value.Value < min.Value) return min;
        if (value.Value > max.Value) return max;
        return value;
    }
    public static Dual<T> CopySign(Dual<T> value, Dual<T> sign)
    {
        T v = T.CopySign(value.Value, sign.Value);
        return new(v, T.IsNegative(v) == T.IsNegative(value.Value) ? value.Tangent : -value.Tangent);
    }
    public static int Sign(Dual<T> value) => T.Sign(value.Value);

    // ---- rounding (piecewise constant) ----
    public static Dual<T> Round(Dual<T> x, int digits, MidpointRounding mode) => new(T.Round(x.Value, digits, mode));
    public static Dual<T> Round(Dual<T> x) => new(T.Round(x.Value));
    public static Dual<T> Round(Dual<T> x, int digits) => new(T.Round(x.Value, digits));
    public static Dual<T> Round(Dual<T> x, MidpointRounding mode) => new(T.Round(x.Value, mode));
    public static Dual<T> Floor(Dual<T> x) => new(T.Floor(x.Value));
    public static Dual<T> Ceiling(Dual<T> x) => new(T.Ceiling(x.Value));
    public static Dual<T> Truncate(Dual<T> x) => new(T.Truncate(x.Value));

    // ---- IEEE helpers ----
    public static Dual<T> BitDecrement(Dual<T> x) => new(T.BitDecrement(x.Value), x.Tangent);
    public static Dual<T> BitIncrement(Dual<T> x) => new(T.BitIncrement(x.Value), x.Tangent);
    public static Dual<T> FusedMultiplyAdd(Dual<T> left, Dual<T> right, Dual<T> addend) =>
        new(T.FusedMultiplyAdd(left.Value, right.Value, addend.Value), left.Tangent * right.Value + left.Value * right.Tangent + addend.Tangent);
    public static Dual<T> Ieee754Remainder(Dual<T> left, Dual<T> right)
    {
        T n = T.Round(left.Value / right.Value, MidpointRounding.ToEven);
        return new(T.Ieee754Remainder(left.Value, right.Value), left.Tangent - n * right.Tangent);
    }
    public static int ILogB(Dual<T> x) => T.ILogB(x.Value);
    public static Dual<T> ScaleB(Dual<T> x, int n) => new(T.ScaleB(x.Value, n), T.ScaleB(x.Tangent, n));
    public static Dual<T> ReciprocalEstimate(Dual<T> x)
    {
        T r = T.One / x.Value;
        return Chain(r, -r * r, x);
    }
    public static Dual<T> ReciprocalSqrtEstimate(Dual<T> x)
    {
        T r = T.One / T.Sqrt(x.Value);
        return Chain(r, -r * r * r / Two, x);
    }

    // ---- exponential and logarithmic ----
    public static Dual<T> Exp(Dual<T> x) { T e = T.Exp(x.Value); return Chain(e, e, x); }
    public static Dual<T> ExpM1(Dual<T> x) => Chain(T.ExpM1(x.Value), T.Exp(x.Value), x);
    public static Dual<T> Exp2(Dual<T> x) { T e = T.Exp2(x.Value); return Chain(e, e * T.Log(Two), x); }
    public static Dual<T> Exp2M1(Dual<T> x) => Chain(T.Exp2M1(x.Value), T.Exp2(x.Value) * T.Log(Two), x);
    public static Dual<T> Exp10(Dual<T> x) { T e = T.Exp10(x.Value); return Chain(e, e * T.Log(Ten), x); }
    public static Dual<T> Exp10M1(Dual<T> x) => Chain(T.Exp10M1(x.Value), T.Exp10(x.Value) * T.Log(Ten), x);
    private static T Ten => T.CreateTruncating(10);
    public static Dual<T> Log(Dual<T> x) => Chain(T.Log(x.Value), T.One / x.Value, x);
    public static Dual<T> Log(Dual<T> x, Dual<T> newBase) => Log(x) / Log(newBase);
    public static Dual<T> LogP1(Dual<T> x) => Chain(T.LogP1(x.Value), T.One / (T.One + x.Value), x);
    public static Dual<T> Log2(Dual<T> x) => Chain(T.Log2(x.Value), T.One / (x.Value * T.Log(Two)), x);
    public static Dual<T> Log2P1(Dual<T> x) => Chain(T.Log2P1(x.Value), T.One / ((T.One + x.Value) * T.Log(Two)), x);
    public static Dual<T> Log10(Dual<T> x) => Chain(T.Log10(x.Value), T.One / (x.Value * T.Log(Ten)), x);
    public static Dual<T> Log10P1(Dual<T> x) => Chain(T.Log10P1(x.Value), T.One / ((T.One + x.Value) * T.Log(Ten)), x);

    // ---- powers and roots ----
    public static Dual<T> Pow(Dual<T> x, Dual<T> y)
    {
        T p = T.Pow(x.Value, y.Value);
        T t = T.Zero;
        if (x.Tangent != T.Zero) t += y.Value * T.Pow(x.Value, y.Value - T.One) * x.Tangent;
        if (y.Tangent != T.Zero) t += p * T.Log(x.Value) * y.Tangent;
        return new(p, t);
    }
    public static Dual<T> Sqrt(Dual<T> x) { T r = T.Sqrt(x.Value); return Chain(r, T.One / (Two * r), x); }
    public static Dual<T> Cbrt(Dual<T> x) { T r = T.Cbrt(x.Value); return Chain(r, T.One / (T.CreateTruncating(3) * r * r), x); }
    public static Dual<T> RootN(Dual<T> x, int n)
    {
        T r = T.RootN(x.Value, n);
        return Chain(r, r / (T.CreateTruncating(n) * x.Value), x);
    }
    public static Dual<T> Hypot(Dual<T> x, Dual<T> y)
    {
        T h = T.Hypot(x.Value, y.Value);
        return new(h, (x.Value * x.Tangent + y.Value * y.Tangent) / h);
    }

    // ---- trigonometric ----
    public static Dual<T> Sin(Dual<T> x) => Chain(T.Sin(x.Value), T.Cos(x.Value), x);
    public static Dual<T> Cos(Dual<T> x) => Chain(T.Cos(x.Value), -T.Sin(x.Value), x);
    public static Dual<T> Tan(Dual<T> x) { T c = T.Cos(x.Value); return Chain(T.Tan(x.Value), T.One / (c * c), x); }
    public static (Dual<T> Sin, Dual<T> Cos) SinCos(Dual<T> x)
    {
        var (s, c) = T.SinCos(x.Value);
        return (Chain(s, c, x), Chain(c, -s, x));
    }
    public static Dual<T> SinPi(Dual<T> x) => Chain(T.SinPi(x.Value), T.Pi * T.CosPi(x.Value), x);
    public static Dual<T> CosPi(Dual<T> x) => Chain(T.CosPi(x.Value), -T.Pi * T.SinPi(x.Value), x);
    public static Dual<T> TanPi(Dual<T> x) { T c = T.CosPi(x.Value); return Chain(T.TanPi(x.Value), T.Pi / (c * c), x); }
    public static (Dual<T> SinPi, Dual<T> CosPi) SinCosPi(Dual<T> x)
    {
        var (s, c) = T.SinCosPi(x.Value);
        return (Chain(s, T.Pi * c, x), Chain(c, -T.Pi * s, x));
    }
    public static Dual<T> Asin(Dual<T> x) => Chain(T.Asin(x.Value), T.One / T.Sqrt(T.One - x.Value * x.Value), x);
    public static Dual<T> Acos(Dual<T> x) => Chain(T.Acos(x.Value), -T.One / T.Sqrt(T.One - x.Value * x.Value), x);
    public static Dual<T> Atan(Dual<T> x) => Chain(T.Atan(x.Value), T.One / (T.One + x.Value * x.Value), x);
    public static Dual<T> AsinPi(Dual<T> x) => Chain(T.AsinPi(x.Value), T.One / (T.Pi * T.Sqrt(T.One - x.Value * x.Value)), x);
    public static Dual<T> AcosPi(Dual<T> x) => Chain(T.AcosPi(x.Value), -T.One / (T.Pi * T.Sqrt(T.One - x.Value * x.Value)), x);
    public static Dual<T> AtanPi(Dual<T> x) => Chain(T.AtanPi(x.Value), T.One / (T.Pi * (T.One + x.Value * x.Value)), x);
    public static Dual<T> Atan2(Dual<T> y, Dual<T> x)
    {
        T d = x.Value * x.Value + y.Value * y.Value;
        return new(T.Atan2(y.Value, x.Value), (x.Value * y.Tangent - y.Value * x.Tangent) / d);
    }
    public static Dual<T> Atan2Pi(Dual<T> y, Dual<T> x)
    {
        T d = T.Pi * (x.Value * x.Value + y.Value * y.Value);
        return new(T.Atan2Pi(y.Value, x.Value), (x.Value * y.Tangent - y.Value * x.Tangent) / d);
    }

    // ---- hyperbolic ----
    public static Dual<T> Sinh(Dual<T> x) => Chain(T.Sinh(x.Value), T.Cosh(x.Value), x);
    public static Dual<T> Cosh(Dual<T> x) => Chain(T.Cosh(x.Value), T.Sinh(x.Value), x);
    public static Dual<T> Tanh(Dual<T> x) { T t = T.Tanh(x.Value); return Chain(t, T.One - t * t, x); }
    public static Dual<T> Asinh(Dual<T> x) => Chain(T.Asinh(x.Value), T.One / T.Sqrt(x.Value * x.Value + T.One), x);
    public static Dual<T> Acosh(Dual<T> x) => Chain(T.Acosh(x.Value), T.One / T.Sqrt(x.Value * x.Value - T.One), x);
    public static Dual<T> Atanh(Dual<T> x) => Chain(T.Atanh(x.Value), T.One / (T.One - x.Value * x.Value), x);

    // ---- IFloatingPoint byte access (value only) ----
    public int GetExponentByteCount() => Value.GetExponentByteCount();
    public int GetExponentShortestBitLength() => Value.GetExponentShortestBitLength();
    public int GetSignificandBitLength() => Value.GetSignificandBitLength();
    public int GetSignificandByteCount() => Value.GetSignificandByteCount();
    public bool TryWriteExponentBigEndian(Span<byte> destination, out int bytesWritten) => Value.TryWriteExponentBigEndian(destination, out bytesWritten);
    public bool TryWriteExponentLittleEndian(Span<byte> destination, out int bytesWritten) => Value.TryWriteExponentLittleEndian(destination, out bytesWritten);
    public bool TryWriteSignificandBigEndian(Span<byte> destination, out int bytesWritten) => Value.TryWriteSignificandBigEndian(destination, out bytesWritten);
    public bool TryWriteSignificandLittleEndian(Span<byte> destination, out int bytesWritten) => Value.TryWriteSignificandLittleEndian(destination, out bytesWritten);

    // ---- conversions: other numbers become constants; a dual converts to its value ----
    static bool INumberBase<Dual<T>>.TryConvertFromChecked<TOther>(TOther value, out Dual<T> result) => TryFrom(value, 0, out result);
    static bool INumberBase<Dual<T>>.TryConvertFromSaturating<TOther>(TOther value, out Dual<T> result) => TryFrom(value, 1, out result);
    static bool INumberBase<Dual<T>>.TryConvertFromTruncating<TOther>(TOther value, out Dual<T> result) => TryFrom(value, 2, out result);

    private static bool TryFrom<TOther>(TOther value, int mode, out Dual<T> result) where TOther : INumberBase<TOther>
    {
        if (value is Dual<T> d)
        {
            result = d;
            return true;
        }
        try
        {
            T v = mode switch
            {
                0 => T.CreateChecked(value),
                1 => T.CreateSaturating(value),
                _ => T.CreateTruncating(value),
            };
            result = new Dual<T>(v);
            return true;
        }
        catch (NotSupportedException)
        {
            result = default;
            return false;
        }
    }

    static bool INumberBase<Dual<T>>.TryConvertToChecked<TOther>(Dual<T> value, [MaybeNullWhen(false)] out TOther result) => TryTo(value.Value, 0, out result);
    static bool INumberBase<Dual<T>>.TryConvertToSaturating<TOther>(Dual<T> value, [MaybeNullWhen(false)] out TOther result) => TryTo(value.Value, 1, out result);
    static bool INumberBase<Dual<T>>.TryConvertToTruncating<TOther>(Dual<T> value, [MaybeNullWhen(false)] out TOther result) => TryTo(value.Value, 2, out result);

    private static bool TryTo<TOther>(T value, int mode, [MaybeNullWhen(false)] out TOther result) where TOther : INumberBase<TOther>
    {
        try
        {
            result = mode switch
            {
                0 => TOther.CreateChecked(value),
                1 => TOther.CreateSaturating(value),
                _ => TOther.CreateTruncating(value),
            };
            return true;
        }
        catch (NotSupportedException)
        {
            result = default;
            return false;
        }
    }

    // ---- parsing and formatting (value only) ----
    public static Dual<T> Parse(string s, IFormatProvider? provider) => new(T.Parse(s, provider));
    public static Dual<T> Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => new(T.Parse(s, provider));
    public static Dual<T> Parse(string s, NumberStyles style, IFormatProvider? provider) => new(T.Parse(s, style, provider));
    public static Dual<T> Parse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider) => new(T.Parse(s, style, provider));
    public static Dual<T> Parse(ReadOnlySpan<byte> utf8Text, IFormatProvider? provider) => new(T.Parse(utf8Text, provider));
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out Dual<T> result)
    {
        bool ok = T.TryParse(s, provider, out var v);
        result = new(v);
        return ok;
    }
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, [MaybeNullWhen(false)] out Dual<T> result)
    {
        bool ok = T.TryParse(s, provider, out var v);
        result = new(v);
        return ok;
    }
    public static bool TryParse([NotNullWhen(true)] string? s, NumberStyles style, IFormatProvider? provider, [MaybeNullWhen(false)] out Dual<T> result)
    {
        bool ok = T.TryParse(s, style, provider, out var v);
        result = new(v);
        return ok;
    }
    public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, [MaybeNullWhen(false)] out Dual<T> result)
    {
        bool ok = T.TryParse(s, style, provider, out var v);
        result = new(v);
        return ok;
    }
    public static bool TryParse(ReadOnlySpan<byte> utf8Text, IFormatProvider? provider, [MaybeNullWhen(false)] out Dual<T> result)
    {
        bool ok = T.TryParse(utf8Text, provider, out var v);
        result = new(v);
        return ok;
    }
    public override string ToString() => $"{Value} + {Tangent}ε";
    public string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(format, formatProvider) + " + " + Tangent.ToString(format, formatProvider) + "ε";
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(destination, out charsWritten, format, provider);
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(utf8Destination, out bytesWritten, format, provider);
}
