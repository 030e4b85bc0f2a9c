using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// The handful of vector primitives the kernels are written against, for one hardware width
/// (<see cref="V128{T}"/>, <see cref="V256{T}"/>, <see cref="V512{T}"/>). Every kernel is generic over
/// <c>T</c> (float or double), the vector type <c>TV</c> and one of these structs, so the JIT compiles one
/// specialised copy per (type, width) with every call inlined; <c>typeof(T) == typeof(float)</c> tests fold away.
/// </summary>
internal interface ISimdOps<TV, T> where TV : struct where T : unmanaged
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>Loads <see cref="Count"/> elements starting at <paramref name="source"/>.</summary>
    static abstract TV Load(ref T source);
    /// <summary>Stores all lanes starting at <paramref name="destination"/>.</summary>
    static abstract void Store(TV value, ref T destination);
    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TV Splat(T value);
    /// <summary>Every lane set to the double <paramref name="value"/> converted to T.</summary>
    static abstract TV Splat(double value);
    /// <summary>a + b.</summary>
    static abstract TV Add(TV a, TV b);
    /// <summary>a − b.</summary>
    static abstract TV Sub(TV a, TV b);
    /// <summary>a · b.</summary>
    static abstract TV Mul(TV a, TV b);
    /// <summary>a / b.</summary>
    static abstract TV Div(TV a, TV b);
    /// <summary>a · b + c, fused where the hardware has FMA (one rounding), else two roundings.</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);
    /// <summary>|a|.</summary>
    static abstract TV Abs(TV a);
    /// <summary>Lane mask a &lt; b.</summary>
    static abstract TV LessThan(TV a, TV b);
    /// <summary>Lane mask a &gt; b.</summary>
    static abstract TV GreaterThan(TV a, TV b);
    /// <summary>Lane mask a is NaN.</summary>
    static abstract TV IsNaN(TV a);
    /// <summary>mask ? a : b per lane (mask lanes all-ones or all-zeros).</summary>
    static abstract TV Select(TV mask, TV a, TV b);
    /// <summary>True when any lane of the mask is set.</summary>
    static abstract bool Any(TV mask);
    /// <summary>Bitwise and.</summary>
    static abstract TV And(TV a, TV b);
    /// <summary>Bitwise xor.</summary>
    static abstract TV Xor(TV a, TV b);
    /// <summary>Round to nearest integral value (ties to even).</summary>
    static abstract TV Round(TV a);
    /// <summary>2^n for integral n (as T) in the normal exponent range of T.</summary>
    static abstract TV Pow2(TV n);
    /// <summary>p·2^n for integral n (as T, |n| &lt; 2^22) by adding n to the exponent field of p (valid while the result is normal).</summary>
    static abstract TV AddToExponent(TV p, TV n);
    /// <summary>
    /// <see cref="AddToExponent"/> with n given as n + 1.5·2^23 (float; 1.5·2^52 for double), the value a fused
    /// multiply-add with that constant leaves after rounding to an integer: the low bits already hold n.
    /// </summary>
    static abstract TV AddToExponentBiased(TV p, TV biased);
    /// <summary>The runtime's vectorised exp (used for double).</summary>
    static abstract TV ExpRuntime(TV a);
    /// <summary>The runtime's vectorised natural log.</summary>
    static abstract TV LogRuntime(TV a);
    /// <summary>Sum of all lanes.</summary>
    static abstract T Sum(TV a);
    /// <summary>Largest lane (no NaN handling).</summary>
    static abstract T MaxAcross(TV a);
    /// <summary>max(a, b) per lane, the hardware instruction (returns b when either is NaN on x86).</summary>
    static abstract TV MaxNative(TV a, TV b);
    /// <summary>min(a, b) per lane, the hardware instruction.</summary>
    static abstract TV MinNative(TV a, TV b);
}

/// <summary>Converts a double constant to T (float or double); folds at JIT time.</summary>
internal static class Num
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Of<T>(double value) where T : unmanaged
    {
        // T is float or double (checked once at every public entry point by EnsureSupported): small IL keeps the
        // inliner's budget for the kernels.
        if (typeof(T) == typeof(float)) { float f = (float)value; return Unsafe.As<float, T>(ref f); }
        return Unsafe.As<double, T>(ref value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T value) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<T, float>(ref value);
        if (typeof(T) == typeof(double)) return Unsafe.As<T, double>(ref value);
        throw new NotSupportedException("KerasPort kernels support float and double only, not " + typeof(T).Name + ".");
    }

    /// <summary>Throws unless T is float or double (the only element types the kernels implement).</summary>
    public static void EnsureSupported<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException("KerasPort kernels support float and double only, not " + typeof(T).Name + ".");
    }
}

/// <summary>128-bit vectors.</summary>
internal readonly struct V128<T> : ISimdOps<Vector128<T>, T> where T : unmanaged
{
    public static int Count => Vector128<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(ref T source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Splat(T value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Splat(double value) => typeof(T) == typeof(float) ? Vector128.Create((float)value).As<float, T>() : Vector128.Create(value).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sub(Vector128<T> a, Vector128<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Mul(Vector128<T> a, Vector128<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Div(Vector128<T> a, Vector128<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MulAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector128.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector128.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> LessThan(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThan(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> IsNaN(Vector128<T> a) => ~Vector128.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Select(Vector128<T> mask, Vector128<T> a, Vector128<T> b) => Vector128.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector128<T> mask) => mask != Vector128<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> And(Vector128<T> a, Vector128<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Xor(Vector128<T> a, Vector128<T> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Round(Vector128<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector128.Round(a.AsSingle()).As<float, T>();
        return Vector128.Round(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Pow2(Vector128<T> n)
    {
        if (typeof(T) == typeof(float))
            return Vector128.ShiftLeft(Vector128.ConvertToInt32(n.AsSingle()) + Vector128.Create(127), 23).As<int, T>();
        // n + 1.5·2^52 puts the integer n in the low bits (|n| < 2^51), 1023 the exponent bias.
        var magic = (n.AsDouble() + Vector128.Create(6755399441055744.0 + 1023.0)).AsInt64();
        return Vector128.ShiftLeft(magic, 52).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> AddToExponentBiased(Vector128<T> p, Vector128<T> biased)
    {
        if (typeof(T) == typeof(float))
            return (p.AsInt32() + Vector128.ShiftLeft(biased.AsInt32(), 23)).As<int, T>();
        return (p.AsInt64() + Vector128.ShiftLeft(biased.AsInt64(), 52)).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> AddToExponent(Vector128<T> p, Vector128<T> n)
    {
        if (typeof(T) == typeof(float))
        {
            // n + 1.5·2^23 holds the integer n in its low mantissa bits; shifting by 23 keeps exactly n·2^23.
            var k = Vector128.ShiftLeft((n.AsSingle() + Vector128.Create(12582912.0f)).AsInt32(), 23);
            return (p.AsInt32() + k).As<int, T>();
        }
        var kd = Vector128.ShiftLeft((n.AsDouble() + Vector128.Create(6755399441055744.0)).AsInt64(), 52);
        return (p.AsInt64() + kd).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ExpRuntime(Vector128<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector128.Exp(a.AsSingle()).As<float, T>();
        return Vector128.Exp(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LogRuntime(Vector128<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector128.Log(a.AsSingle()).As<float, T>();
        return Vector128.Log(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector128<T> a) => Vector128.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector128<T> a)
    {
        T m = a.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) { T e = a.GetElement(i); if (Comparer<T>.Default.Compare(e, m) > 0) m = e; }
        return m;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> MaxNative(Vector128<T> a, Vector128<T> b) => Vector128.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> MinNative(Vector128<T> a, Vector128<T> b) => Vector128.MinNative(a, b);
}

/// <summary>256-bit vectors.</summary>
internal readonly struct V256<T> : ISimdOps<Vector256<T>, T> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(ref T source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(T value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(double value) => typeof(T) == typeof(float) ? Vector256.Create((float)value).As<float, T>() : Vector256.Create(value).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sub(Vector256<T> a, Vector256<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Div(Vector256<T> a, Vector256<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MulAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector256.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector256.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> IsNaN(Vector256<T> a) => ~Vector256.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Select(Vector256<T> mask, Vector256<T> a, Vector256<T> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256<T> mask) => mask != Vector256<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> And(Vector256<T> a, Vector256<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Xor(Vector256<T> a, Vector256<T> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Round(Vector256<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector256.Round(a.AsSingle()).As<float, T>();
        return Vector256.Round(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Pow2(Vector256<T> n)
    {
        if (typeof(T) == typeof(float))
            return Vector256.ShiftLeft(Vector256.ConvertToInt32(n.AsSingle()) + Vector256.Create(127), 23).As<int, T>();
        // n + 1.5·2^52 puts the integer n in the low bits (|n| < 2^51), 1023 the exponent bias.
        var magic = (n.AsDouble() + Vector256.Create(6755399441055744.0 + 1023.0)).AsInt64();
        return Vector256.ShiftLeft(magic, 52).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> AddToExponentBiased(Vector256<T> p, Vector256<T> biased)
    {
        if (typeof(T) == typeof(float))
            return (p.AsInt32() + Vector256.ShiftLeft(biased.AsInt32(), 23)).As<int, T>();
        return (p.AsInt64() + Vector256.ShiftLeft(biased.AsInt64(), 52)).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> AddToExponent(Vector256<T> p, Vector256<T> n)
    {
        if (typeof(T) == typeof(float))
        {
            // n + 1.5·2^23 holds the integer n in its low mantissa bits; shifting by 23 keeps exactly n·2^23.
            var k = Vector256.ShiftLeft((n.AsSingle() + Vector256.Create(12582912.0f)).AsInt32(), 23);
            return (p.AsInt32() + k).As<int, T>();
        }
        var kd = Vector256.ShiftLeft((n.AsDouble() + Vector256.Create(6755399441055744.0)).AsInt64(), 52);
        return (p.AsInt64() + kd).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ExpRuntime(Vector256<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(a.AsSingle()).As<float, T>();
        return Vector256.Exp(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LogRuntime(Vector256<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector256.Log(a.AsSingle()).As<float, T>();
        return Vector256.Log(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> a) => Vector256.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector256<T> a)
    {
        T m = a.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) { T e = a.GetElement(i); if (Comparer<T>.Default.Compare(e, m) > 0) m = e; }
        return m;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> MaxNative(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> MinNative(Vector256<T> a, Vector256<T> b) => Vector256.MinNative(a, b);
}

/// <summary>512-bit vectors.</summary>
internal readonly struct V512<T> : ISimdOps<Vector512<T>, T> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(ref T source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(T value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(double value) => typeof(T) == typeof(float) ? Vector512.Create((float)value).As<float, T>() : Vector512.Create(value).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Div(Vector512<T> a, Vector512<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MulAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector512.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> IsNaN(Vector512<T> a) => ~Vector512.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Select(Vector512<T> mask, Vector512<T> a, Vector512<T> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512<T> mask) => mask != Vector512<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> And(Vector512<T> a, Vector512<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Xor(Vector512<T> a, Vector512<T> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Round(Vector512<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector512.Round(a.AsSingle()).As<float, T>();
        return Vector512.Round(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Pow2(Vector512<T> n)
    {
        if (typeof(T) == typeof(float))
            return Vector512.ShiftLeft(Vector512.ConvertToInt32(n.AsSingle()) + Vector512.Create(127), 23).As<int, T>();
        // n + 1.5·2^52 puts the integer n in the low bits (|n| < 2^51), 1023 the exponent bias.
        var magic = (n.AsDouble() + Vector512.Create(6755399441055744.0 + 1023.0)).AsInt64();
        return Vector512.ShiftLeft(magic, 52).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> AddToExponentBiased(Vector512<T> p, Vector512<T> biased)
    {
        if (typeof(T) == typeof(float))
            return (p.AsInt32() + Vector512.ShiftLeft(biased.AsInt32(), 23)).As<int, T>();
        return (p.AsInt64() + Vector512.ShiftLeft(biased.AsInt64(), 52)).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> AddToExponent(Vector512<T> p, Vector512<T> n)
    {
        if (typeof(T) == typeof(float))
        {
            // n + 1.5·2^23 holds the integer n in its low mantissa bits; shifting by 23 keeps exactly n·2^23.
            var k = Vector512.ShiftLeft((n.AsSingle() + Vector512.Create(12582912.0f)).AsInt32(), 23);
            return (p.AsInt32() + k).As<int, T>();
        }
        var kd = Vector512.ShiftLeft((n.AsDouble() + Vector512.Create(6755399441055744.0)).AsInt64(), 52);
        return (p.AsInt64() + kd).As<long, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ExpRuntime(Vector512<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(a.AsSingle()).As<float, T>();
        return Vector512.Exp(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LogRuntime(Vector512<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector512.Log(a.AsSingle()).As<float, T>();
        return Vector512.Log(a.AsDouble()).As<double, T>();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> a) => Vector512.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector512<T> a)
    {
        T m = a.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++) { T e = a.GetElement(i); if (Comparer<T>.Default.Compare(e, m) > 0) m = e; }
        return m;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> MaxNative(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> MinNative(Vector512<T> a, Vector512<T> b) => Vector512.MinNative(a, b);
}
