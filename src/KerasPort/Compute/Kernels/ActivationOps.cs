using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// One element-wise function with a scalar form and a vector form for any width (the TensorPrimitives
/// operator-struct pattern). Structs carry their parameters as fields; the JIT specialises and inlines them.
/// </summary>
internal interface IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>False when only the scalar form exists (the driver then loops over <see cref="Invoke(T)"/>).</summary>
    static abstract bool Vectorized { get; }
    /// <summary>f(x) for one element.</summary>
    T Invoke(T x);
    /// <summary>f(x) for every lane.</summary>
    TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>;
}

/// <summary>
/// An element-wise operator applied to two vectors at once. Sigmoid and tanh (the LSTM/GRU gate functions) have
/// interleaved forms (<see cref="VectorMath.Sigmoid2{T, TV, TS}"/>, <see cref="VectorMath.Tanh2{T, TV, TS}"/>: two
/// dependency chains in program order); any other operator is applied to one vector, then the other. The bits are
/// those of <see cref="IUnaryOp{T}.Invoke{TV, TS}(TV)"/> either way.
/// </summary>
internal static class PairedActivation
{
    /// <summary>a = op(a), b = op(b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Invoke<T, TV, TS, TOp>(TOp op, ref TV a, ref TV b)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TOp : struct, IUnaryOp<T>
    {
        if (typeof(TOp) == typeof(SigmoidOp<T>))
        {
            VectorMath.Sigmoid2<T, TV, TS>(ref a, ref b);
        }
        else if (typeof(TOp) == typeof(TanhOp<T>))
        {
            VectorMath.Tanh2<T, TV, TS>(ref a, ref b);
        }
        else
        {
            a = op.Invoke<TV, TS>(a);
            b = op.Invoke<TV, TS>(b);
        }
    }
}

internal readonly struct LinearOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => x;
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => x;
}

/// <summary>max(x, 0) as TF computes it: x &lt; 0 ? 0 : x.</summary>
internal readonly struct ReluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => ActivationReference.ReluPlain(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
    {
        TV zero = TS.Splat(0.0);
        return TS.Select(TS.LessThan(x, zero), zero, x);
    }
}

internal readonly struct Relu6Op<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => ActivationReference.Relu6(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
    {
        TV zero = TS.Splat(0.0), six = TS.Splat(6.0);
        TV r = TS.Select(TS.LessThan(x, zero), zero, x);
        return TS.Select(TS.LessThan(six, r), six, r);
    }
}

/// <summary>Keras relu with negative_slope / max_value / threshold (see <see cref="ActivationReference.Relu{T}"/>).</summary>
internal readonly struct ReluGeneralOp<T>(T slope, T? maxValue, T threshold) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _slope = slope, _threshold = threshold, _max = maxValue ?? T.Zero;
    private readonly bool _hasMax = maxValue is not null;
    public static bool Vectorized => true;
    public T Invoke(T x) => ActivationReference.Relu(x, _slope, _hasMax ? _max : null, _threshold);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
    {
        TV zero = TS.Splat(0.0);
        TV slope = TS.Splat(_slope);
        if (_slope != T.Zero && !_hasMax && _threshold == T.Zero)
            return TS.Select(TS.GreaterThan(x, zero), x, TS.Mul(x, slope));
        TV thr = TS.Splat(_threshold);
        TV neg = zero;
        if (_slope != T.Zero)
        {
            TV t = _threshold != T.Zero ? TS.Add(TS.Sub(zero, x), thr) : TS.Sub(zero, x);
            neg = TS.Select(TS.LessThan(t, zero), zero, t);
        }
        bool clipMax = _hasMax;
        TV y;
        if (_threshold != T.Zero)
            y = TS.Mul(x, TS.Select(TS.GreaterThan(x, thr), TS.Splat(1.0), zero));
        else if (_hasMax && _max == T.CreateTruncating(6))
        {
            y = new Relu6Op<T>().Invoke<TV, TS>(x);
            clipMax = false;
        }
        else y = TS.Select(TS.LessThan(x, zero), zero, x);
        if (clipMax)
        {
            TV hi = TS.Splat(_max);
            y = TS.Select(TS.LessThan(hi, y), hi, y);
            y = TS.Select(TS.LessThan(y, zero), zero, y);
        }
        if (_slope != T.Zero) y = TS.Sub(y, TS.Mul(slope, neg));
        return y;
    }
}

internal readonly struct LeakyReluOp<T>(T alpha) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _alpha = alpha;
    public static bool Vectorized => true;
    public T Invoke(T x) => x > T.Zero ? x : _alpha * x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
        => TS.Select(TS.GreaterThan(x, TS.Splat(0.0)), x, TS.Mul(TS.Splat(_alpha), x));
}

/// <summary>Keras 1/2 hard_sigmoid: clip(0.2·x + 0.5, 0, 1), multiply then add (no FMA, as TF).</summary>
internal readonly struct HardSigmoidOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => ActivationReference.HardSigmoidKeras2(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
    {
        TV y = TS.Add(TS.Mul(x, TS.Splat(0.2)), TS.Splat(0.5));
        TV one = TS.Splat(1.0), zero = TS.Splat(0.0);
        y = TS.Select(TS.LessThan(one, y), one, y);
        return TS.Select(TS.LessThan(y, zero), zero, y);
    }
}

/// <summary>Keras 3 hard_sigmoid: relu6(x + 3) / 6.</summary>
internal readonly struct HardSigmoidKeras3Op<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => ActivationReference.HardSigmoidKeras3(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
        => TS.Div(new Relu6Op<T>().Invoke<TV, TS>(TS.Add(x, TS.Splat(3.0))), TS.Splat(6.0));
}

/// <summary>hard_silu: x · relu6(x + 3) / 6.</summary>
internal readonly struct HardSiluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => x * ActivationReference.HardSigmoidKeras3(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
        => TS.Mul(x, new HardSigmoidKeras3Op<T>().Invoke<TV, TS>(x));
}

internal readonly struct SoftsignOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => x / (T.Abs(x) + T.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
        => TS.Div(x, TS.Add(TS.Abs(x), TS.Splat(1.0)));
}

internal readonly struct SigmoidOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => T.CreateTruncating(ActivationReference.Sigmoid(double.CreateTruncating(x)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => VectorMath.Sigmoid<T, TV, TS>(x);
}

internal readonly struct TanhOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => T.CreateTruncating(Math.Tanh(double.CreateTruncating(x)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => VectorMath.Tanh<T, TV, TS>(x);
}

internal readonly struct ExpOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => T.CreateTruncating(Math.Exp(double.CreateTruncating(x)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => VectorMath.Exp<T, TV, TS>(x);
}

internal readonly struct SoftplusOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) => T.CreateTruncating(ActivationReference.Softplus(double.CreateTruncating(x)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => VectorMath.Softplus<T, TV, TS>(x);
}

internal readonly struct SwishOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) { double d = double.CreateTruncating(x); return T.CreateTruncating(d * ActivationReference.Sigmoid(d)); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => TS.Mul(x, VectorMath.Sigmoid<T, TV, TS>(x));
}

internal readonly struct MishOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x) { double d = double.CreateTruncating(x); return T.CreateTruncating(d * Math.Tanh(ActivationReference.Softplus(d))); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
        => TS.Mul(x, VectorMath.Tanh<T, TV, TS>(VectorMath.Softplus<T, TV, TS>(x)));
}

/// <summary>elu: x &gt; 0 ? x : α·expm1(x) (selu: scale·(x &gt; 0 ? x : α·expm1(x))).</summary>
internal readonly struct EluOp<T>(double alpha, double scale) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _alpha = T.CreateTruncating(alpha), _scale = T.CreateTruncating(scale);
    private readonly double _alphaD = alpha, _scaleD = scale;
    public static bool Vectorized => true;
    public T Invoke(T x)
    {
        double d = double.CreateTruncating(x);
        return T.CreateTruncating(_scaleD * (d > 0 ? d : _alphaD * ScalarMath.Expm1(d)));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
    {
        TV neg = TS.Mul(TS.Splat(_alpha), VectorMath.Expm1<T, TV, TS>(x));
        TV r = TS.Select(TS.GreaterThan(x, TS.Splat(0.0)), x, neg);
        return _scale == T.One ? r : TS.Mul(TS.Splat(_scale), r);
    }
}

internal readonly struct GeluTanhOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public T Invoke(T x)
    {
        double d = double.CreateTruncating(x);
        return T.CreateTruncating(0.5 * d * (1.0 + Math.Tanh(ActivationReference.GeluTanhScale * (d + ActivationReference.GeluTanhCubic * d * d * d))));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T>
    {
        TV inner = TS.Mul(TS.Splat(ActivationReference.GeluTanhScale), TS.Add(x, TS.Mul(TS.Splat(ActivationReference.GeluTanhCubic), TS.Mul(x, TS.Mul(x, x)))));
        return TS.Mul(TS.Mul(TS.Splat(0.5), x), TS.Add(TS.Splat(1.0), VectorMath.Tanh<T, TV, TS>(inner)));
    }
}

/// <summary>gelu (exact): 0.5·x·(1 + erf(x/√2)), scalar only (erf in double).</summary>
internal readonly struct GeluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => false;
    public T Invoke(T x)
    {
        double d = double.CreateTruncating(x);
        return T.CreateTruncating(0.5 * d * (1.0 + ScalarMath.Erf(d / Math.Sqrt(2.0))));
    }
    public TV Invoke<TV, TS>(TV x) where TV : struct where TS : ISimdOps<TV, T> => throw new NotSupportedException();
}
