using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>An element-wise kernel over one row of n elements with up to two vector results per position.</summary>
internal interface IRowKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>False when some activation has only a scalar form.</summary>
    bool Vectorized { get; }
    /// <summary>Computes and stores element j.</summary>
    void ComputeScalar(int j);
    /// <summary>Computes elements j..j+Count−1 without storing (reads only the inputs).</summary>
    void Compute<TV, TS>(int j, out TV r0, out TV r1) where TV : struct where TS : ISimdOps<TV, T>;
    /// <summary>Stores the results of <see cref="Compute{TV, TS}"/> for elements j..j+Count−1.</summary>
    void Store<TV, TS>(int j, TV r0, TV r1) where TV : struct where TS : ISimdOps<TV, T>;
}

/// <summary>Runs an <see cref="IRowKernel{T}"/> over a row with the widest vector that fits; the final partial
/// vector is the last full vector, computed before anything is stored so in-place state updates stay exact.</summary>
internal static class RowDriver
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<T, TK>(ref TK kernel, int n) where T : unmanaged, IFloatingPointIeee754<T> where TK : IRowKernel<T>, allows ref struct
    {
        if (kernel.Vectorized)
        {
            if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count) { Vectors<T, Vector512<T>, V512<T>, TK>(ref kernel, n); return; }
            if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count) { Vectors<T, Vector256<T>, V256<T>, TK>(ref kernel, n); return; }
            if (Vector128.IsHardwareAccelerated && n >= Vector128<T>.Count) { Vectors<T, Vector128<T>, V128<T>, TK>(ref kernel, n); return; }
        }
        for (int j = 0; j < n; j++) kernel.ComputeScalar(j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vectors<T, TV, TS, TK>(ref TK kernel, int n)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TK : IRowKernel<T>, allows ref struct
    {
        int c = TS.Count;
        kernel.Compute<TV, TS>(n - c, out TV t0, out TV t1);
        for (int j = 0; j <= n - c; j += c)
        {
            kernel.Compute<TV, TS>(j, out TV r0, out TV r1);
            kernel.Store<TV, TS>(j, r0, r1);
        }
        kernel.Store<TV, TS>(n - c, t0, t1);
    }
}
