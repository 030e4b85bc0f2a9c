using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>A compile-time integer for generic specialisation (the JIT folds <c>TConst.Value</c>).</summary>
internal interface IConst { static abstract int Value { get; } }
internal readonly struct C1 : IConst { public static int Value => 1; }
internal readonly struct C2 : IConst { public static int Value => 2; }
internal readonly struct C3 : IConst { public static int Value => 3; }
internal readonly struct C4 : IConst { public static int Value => 4; }
internal readonly struct C5 : IConst { public static int Value => 5; }
internal readonly struct C6 : IConst { public static int Value => 6; }

/// <summary>
/// The register-blocked GEMM micro-kernel: a tile of <c>TMr</c> rows × <c>TNv</c> vectors of C accumulated in
/// registers over kc steps, each step one broadcast of A per row and <c>TNv</c> loads of B (a packed panel, row
/// stride <c>ldb</c>). One source for every (rows, vectors, width, element type); the JIT drops unused accumulators.
/// Register budget: 6 × 4 on 512-bit (24 accumulators + 4 B + 1 A of 32 zmm), 6 × 2 on 256/128-bit (15 of 16).
/// </summary>
internal static class GemmMicroKernel
{
    /// <summary>
    /// C[0..MR, 0..NV·Count] (row stride ldc) = (accumulate ? C : 0) + A[0..MR, 0..kc]·B[0..kc, 0..NV·Count] (+ bias row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TV, TS, TMr, TNv>(int kc, ref T a, nint lda, ref T b, nint ldb, ref T c, nint ldc, bool accumulate, ref T bias, bool hasBias)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TMr : struct, IConst where TNv : struct, IConst
    {
        int mr = TMr.Value, nv = TNv.Value;
        nint w = TS.Count;
        TV zero = TS.Splat(0.0);
        TV c00 = zero, c01 = zero, c02 = zero, c03 = zero;
        TV c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        TV c20 = zero, c21 = zero, c22 = zero, c23 = zero;
        TV c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        TV c40 = zero, c41 = zero, c42 = zero, c43 = zero;
        TV c50 = zero, c51 = zero, c52 = zero, c53 = zero;
        ref T a0 = ref a;
        ref T a1 = ref Unsafe.Add(ref a, mr > 1 ? lda : 0);
        ref T a2 = ref Unsafe.Add(ref a, mr > 2 ? 2 * lda : 0);
        ref T a3 = ref Unsafe.Add(ref a, mr > 3 ? 3 * lda : 0);
        ref T a4 = ref Unsafe.Add(ref a, mr > 4 ? 4 * lda : 0);
        ref T a5 = ref Unsafe.Add(ref a, mr > 5 ? 5 * lda : 0);
        ref T bp = ref b;
        for (nint p = 0; p < kc; p++)
        {
            TV b0 = TS.Load(ref bp);
            TV b1 = nv > 1 ? TS.Load(ref Unsafe.Add(ref bp, w)) : zero;
            TV b2 = nv > 2 ? TS.Load(ref Unsafe.Add(ref bp, 2 * w)) : zero;
            TV b3 = nv > 3 ? TS.Load(ref Unsafe.Add(ref bp, 3 * w)) : zero;
            TV av = TS.Splat(Unsafe.Add(ref a0, p));
            c00 = TS.MulAdd(av, b0, c00);
            if (nv > 1) c01 = TS.MulAdd(av, b1, c01);
            if (nv > 2) c02 = TS.MulAdd(av, b2, c02);
            if (nv > 3) c03 = TS.MulAdd(av, b3, c03);
            if (mr > 1)
            {
                av = TS.Splat(Unsafe.Add(ref a1, p));
                c10 = TS.MulAdd(av, b0, c10);
                if (nv > 1) c11 = TS.MulAdd(av, b1, c11);
                if (nv > 2) c12 = TS.MulAdd(av, b2, c12);
                if (nv > 3) c13 = TS.MulAdd(av, b3, c13);
            }
            if (mr > 2)
            {
                av = TS.Splat(Unsafe.Add(ref a2, p));
                c20 = TS.MulAdd(av, b0, c20);
                if (nv > 1) c21 = TS.MulAdd(av, b1, c21);
                if (nv > 2) c22 = TS.MulAdd(av, b2, c22);
                if (nv > 3) c23 = TS.MulAdd(av, b3, c23);
            }
            if (mr > 3)
            {
                av = TS.Splat(Unsafe.Add(ref a3, p));
                c30 = TS.MulAdd(av, b0, c30);
                if (nv > 1) c31 = TS.MulAdd(av, b1, c31);
                if (nv > 2) c32 = TS.MulAdd(av, b2, c32);
                if (nv > 3) c33 = TS.MulAdd(av, b3, c33);
            }
            if (mr > 4)
            {
                av = TS.Splat(Unsafe.Add(ref a4, p));
                c40 = TS.MulAdd(av, b0, c40);
                if (nv > 1) c41 = TS.MulAdd(av, b1, c41);
                if (nv > 2) c42 = TS.MulAdd(av, b2, c42);
                if (nv > 3) c43 = TS.MulAdd(av, b3, c43);
            }
            if (mr > 5)
            {
                av = TS.Splat(Unsafe.Add(ref a5, p));
                c50 = TS.MulAdd(av, b0, c50);
                if (nv > 1) c51 = TS.MulAdd(av, b1, c51);
                if (nv > 2) c52 = TS.MulAdd(av, b2, c52);
                if (nv > 3) c53 = TS.MulAdd(av, b3, c53);
            }
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        StoreRow<T, TV, TS, TNv>(ref c, w, c00, c01, c02, c03, accumulate, ref bias, hasBias);
        if (mr > 1) StoreRow<T, TV, TS, TNv>(ref Unsafe.Add(ref c, ldc), w, c10, c11, c12, c13, accumulate, ref bias, hasBias);
        if (mr > 2) StoreRow<T, TV, TS, TNv>(ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21, c22, c23, accumulate, ref bias, hasBias);
        if (mr > 3) StoreRow<T, TV, TS, TNv>(ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31, c32, c33, accumulate, ref bias, hasBias);
        if (mr > 4) StoreRow<T, TV, TS, TNv>(ref Unsafe.Add(ref c, 4 * ldc), w, c40, c41, c42, c43, accumulate, ref bias, hasBias);
        if (mr > 5) StoreRow<T, TV, TS, TNv>(ref Unsafe.Add(ref c, 5 * ldc), w, c50, c51, c52, c53, accumulate, ref bias, hasBias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, TV, TS, TNv>(ref T c, nint w, TV v0, TV v1, TV v2, TV v3, bool accumulate, ref T bias, bool hasBias)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst
    {
        int nv = TNv.Value;
        if (accumulate)
        {
            v0 = TS.Add(TS.Load(ref c), v0);
            if (nv > 1) v1 = TS.Add(TS.Load(ref Unsafe.Add(ref c, w)), v1);
            if (nv > 2) v2 = TS.Add(TS.Load(ref Unsafe.Add(ref c, 2 * w)), v2);
            if (nv > 3) v3 = TS.Add(TS.Load(ref Unsafe.Add(ref c, 3 * w)), v3);
        }
        if (hasBias)
        {
            v0 = TS.Add(v0, TS.Load(ref bias));
            if (nv > 1) v1 = TS.Add(v1, TS.Load(ref Unsafe.Add(ref bias, w)));
            if (nv > 2) v2 = TS.Add(v2, TS.Load(ref Unsafe.Add(ref bias, 2 * w)));
            if (nv > 3) v3 = TS.Add(v3, TS.Load(ref Unsafe.Add(ref bias, 3 * w)));
        }
        TS.Store(v0, ref c);
        if (nv > 1) TS.Store(v1, ref Unsafe.Add(ref c, w));
        if (nv > 2) TS.Store(v2, ref Unsafe.Add(ref c, 2 * w));
        if (nv > 3) TS.Store(v3, ref Unsafe.Add(ref c, 3 * w));
    }

    /// <summary>
    /// One row times one panel (GEMV, m = 1): k unrolled by two into separate accumulators so that 2·NV FMA chains
    /// are in flight instead of NV (<see cref="OneRow"/>). Not inlined (into the GEMM driver's tile switch, which the
    /// small body would otherwise join): a call of its own, as every other tile kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void RunRow<T, TV, TS, TNv>(int kc, ref T a, ref T b, nint ldb, ref T c, bool accumulate, ref T bias, bool hasBias)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst
    {
        OneRow<T, TV, TS, TNv>(kc, ref a, ref b, ldb, out TV v0, out TV v1, out TV v2, out TV v3);
        StoreRow<T, TV, TS, TNv>(ref c, TS.Count, v0, v1, v2, v3, accumulate, ref bias, hasBias);
    }

    /// <summary>
    /// The sums of one row over one panel of NV vectors (1..4), in registers: v_j = Σ_p a[p]·b[p·ldb + j·L ..], with k
    /// split over two chains (even and odd p) added at the end, so that 2·NV FMA chains are in flight. The summation
    /// order of every one-row product: the GEMM's (<see cref="RunRow"/>) and the fused cells' one-row steps
    /// (<see cref="RecurrentPanels.One"/>, and LSTM's, which keeps the four gate sums in registers). Vectors past NV are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OneRow<T, TV, TS, TNv>(int kc, ref T a, ref T b, nint ldb, out TV v0, out TV v1, out TV v2, out TV v3)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst
    {
        int nv = TNv.Value;
        nint w = TS.Count;
        TV zero = TS.Splat(0.0);
        TV s0 = zero, s1 = zero, s2 = zero, s3 = zero, t0 = zero, t1 = zero, t2 = zero, t3 = zero;
        ref T bp = ref b;
        nint p = 0;
        for (; p + 1 < kc; p += 2)
        {
            TV av = TS.Splat(Unsafe.Add(ref a, p));
            TV aw = TS.Splat(Unsafe.Add(ref a, p + 1));
            ref T bq = ref Unsafe.Add(ref bp, ldb);
            s0 = TS.MulAdd(av, TS.Load(ref bp), s0);
            if (nv > 1) s1 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, w)), s1);
            if (nv > 2) s2 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 2 * w)), s2);
            if (nv > 3) s3 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 3 * w)), s3);
            t0 = TS.MulAdd(aw, TS.Load(ref bq), t0);
            if (nv > 1) t1 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq, w)), t1);
            if (nv > 2) t2 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq, 2 * w)), t2);
            if (nv > 3) t3 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq, 3 * w)), t3);
            bp = ref Unsafe.Add(ref bp, 2 * ldb);
        }
        if (p < kc)
        {
            TV av = TS.Splat(Unsafe.Add(ref a, p));
            s0 = TS.MulAdd(av, TS.Load(ref bp), s0);
            if (nv > 1) s1 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, w)), s1);
            if (nv > 2) s2 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 2 * w)), s2);
            if (nv > 3) s3 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 3 * w)), s3);
        }
        v0 = TS.Add(s0, t0); v1 = TS.Add(s1, t1); v2 = TS.Add(s2, t2); v3 = TS.Add(s3, t3);
    }
}
