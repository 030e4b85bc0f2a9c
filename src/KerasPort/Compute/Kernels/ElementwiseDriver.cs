using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Runs a unary operator over a span with the widest accelerated vector that fits, falling back to narrower
/// vectors and finally scalars. The last partial vector is handled by processing the final full vector
/// (overlapping the previous one) from values read before anything was written, so in-place use is exact.
/// </summary>
internal static class ElementwiseDriver
{
    /// <summary>destination[i] = op(source[i]); the spans must be the same memory or not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Map<T, TOp>(TOp op, ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<T>
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} elements, source {source.Length}.", nameof(destination));
        if (source.Overlaps(destination, out int offset) && offset != 0)
            throw new ArgumentException("source and destination overlap partially; pass the same span for in-place use.", nameof(destination));
        int n = source.Length;
        ref T x = ref MemoryMarshal.GetReference(source);
        ref T y = ref MemoryMarshal.GetReference(destination);
        if (TOp.Vectorized)
        {
            if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count) { MapVectors<T, Vector512<T>, V512<T>, TOp>(op, ref x, ref y, n); return; }
            if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count) { MapVectors<T, Vector256<T>, V256<T>, TOp>(op, ref x, ref y, n); return; }
            if (Vector128.IsHardwareAccelerated && n >= Vector128<T>.Count) { MapVectors<T, Vector128<T>, V128<T>, TOp>(op, ref x, ref y, n); return; }
        }
        for (int i = 0; i < n; i++) Unsafe.Add(ref y, i) = op.Invoke(Unsafe.Add(ref x, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MapVectors<T, TV, TS, TOp>(TOp op, ref T x, ref T y, int n)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TOp : struct, IUnaryOp<T>
    {
        int c = TS.Count;
        TV last = op.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref x, n - c)));
        int i = 0;
        for (; i <= n - 2 * c; i += 2 * c)
        {
            TV a = op.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref x, i)));
            TV b = op.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref x, i + c)));
            TS.Store(a, ref Unsafe.Add(ref y, i));
            TS.Store(b, ref Unsafe.Add(ref y, i + c));
        }
        for (; i <= n - c; i += c)
            TS.Store(op.Invoke<TV, TS>(TS.Load(ref Unsafe.Add(ref x, i))), ref Unsafe.Add(ref y, i));
        TS.Store(last, ref Unsafe.Add(ref y, n - c));
    }
}
