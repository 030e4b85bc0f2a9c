using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// The h·U accumulation shared by the fused GRU, SimpleRNN and LSTM sequence kernels: a recurrent panel holds, for one unit
/// block, the u rows of NV vectors (NV·L columns) contiguously; the sums of 1..6 batch rows over the whole panel are
/// kept in registers and parked in a small stack tile (row r at z[r·NV·L ..]) for the cell's gate code, which then
/// runs once per row outside the accumulation loop (so the loop keeps every accumulator in a register).
/// </summary>
internal static class RecurrentPanels
{
    /// <summary>
    /// Batch rows per register tile for NV vectors per row: 6 with AVX-512's 32 registers; with 16, 6 rows of 4 vectors in
    /// two register tiles of 6 × 2 (<see cref="TileInParts"/>), and 3 rows of 3 vectors (as many as leave room for the
    /// panel vectors and the broadcast; in parts of 6 × 2 and 6 × 1 the second part waits on its six broadcasts: GRU-like
    /// panels, 36 rows, k = 128, Zen 3: 60 against 68 GFLOP/s).
    /// </summary>
    public static int TileRows(int vectors) => GemmLayout.Width == SimdWidth.V512 || InParts(vectors) ? 6 : 3;

    /// <summary>The largest step tile of the fused kernels' batch steps: L1-sized, on the stack.</summary>
    public const int StepTileMaxBytes = 32 * 1024;

    /// <summary>
    /// Whether a batch step of <paramref name="batch"/> rows over <paramref name="blocks"/> blocks of
    /// <paramref name="vectors"/> vectors of <paramref name="lanes"/> lanes sums every block before any gate code, into
    /// one step tile: two rows or more, and at most <see cref="StepTileMaxBytes"/>. Gate code run tile by tile, between
    /// two tiles' sums, keeps too few independent chains in flight; larger steps still run that way.
    /// </summary>
    public static bool SumsWholeStep(int batch, int blocks, int vectors, int lanes, int elementSize) =>
        batch > 1 && (long)batch * blocks * vectors * lanes * elementSize <= StepTileMaxBytes;

    /// <summary>True when a panel of <paramref name="vectors"/> vectors is summed in parts (<see cref="TileInParts"/>).</summary>
    public static bool InParts(int vectors) => GemmLayout.VectorsPerRow == 2 && vectors == 4;

    /// <summary>
    /// The sums of <paramref name="rows"/> (1..6) rows into z (row r at z[r·<paramref name="ldz"/> ..]). Rows are taken in the GEMM's tiles
    /// (<see cref="GemmLayout.RowsOfTile"/>) and each tile in register tiles of <see cref="TileRows"/> (<see cref="Rows"/>); only the row of a
    /// one-row batch (<paramref name="lone"/>) takes the two-chain <see cref="One{T, TV, TS, TNv}"/>, every other row sums
    /// in one chain, so each row sums exactly as the generic cells' GEMM sums it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sums<T, TV, TS, TNv>(int rows, bool lone, int k, ref T h, nint ldh, ref T b, ref T z, nint ldz)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst
    {
        switch (rows)
        {
            case 1:
                if (lone) One<T, TV, TS, TNv>(k, ref h, ref b, ref z);
                else Tile<T, TV, TS, TNv, C1>(k, ref h, ldh, ref b, ref z, ldz);
                break;
            case 2: Rows<T, TV, TS, TNv, C2>(k, ref h, ldh, ref b, ref z, ldz); break;
            case 3: Rows<T, TV, TS, TNv, C3>(k, ref h, ldh, ref b, ref z, ldz); break;
            case 4: Rows<T, TV, TS, TNv, C4>(k, ref h, ldh, ref b, ref z, ldz); break;
            case 5: Rows<T, TV, TS, TNv, C5>(k, ref h, ldh, ref b, ref z, ldz); break;
            default: Rows<T, TV, TS, TNv, C6>(k, ref h, ldh, ref b, ref z, ldz); break;
        }
    }

    /// <summary>MR rows in one register tile, or in parts where they do not fit the registers (<see cref="InParts"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows<T, TV, TS, TNv, TMr>(int k, ref T h, nint ldh, ref T b, ref T z, nint ldz)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst where TMr : struct, IConst
    {
        if (InParts(TNv.Value)) TileInParts<T, TV, TS, TNv, TMr>(k, ref h, ldh, ref b, ref z, ldz);
        else Tile<T, TV, TS, TNv, TMr>(k, ref h, ldh, ref b, ref z, ldz);
    }

    /// <summary>
    /// <see cref="Tile{T, TV, TS, TNv, TMr}"/> of 4 vectors with 16 vector registers, where MR rows × 4 vectors do not fit:
    /// the sums of vectors 0 and 1 in a register tile of MR rows × 2 (the GEMM's micro-kernel, 12 accumulators at 6 rows),
    /// then those of vectors 2 and 3, each reading its half of every panel row, so that a panel is read once per 6 rows
    /// instead of per 2 (LSTM-like panels, 36 rows, k = 128, Zen 3: 70–98 against 63–90 GFLOP/s; an LSTM step of 64 rows
    /// of LSTM(512), half the blocks: 783–793 against 923–1127 µs). Every accumulator is one chain from zero, q
    /// ascending, as in <see cref="Tile{T, TV, TS, TNv, TMr}"/>: the same sums. Row r's sums go to z[r·<paramref name="ldz"/> ..].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void TileInParts<T, TV, TS, TNv, TMr>(int k, ref T h, nint ldh, ref T b, ref T z, nint ldz)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst where TMr : struct, IConst
    {
        if (TNv.Value != 4) throw new ArgumentException($"panels of {TNv.Value} vectors are summed in one register tile.");
        nint w = TS.Count, ldb = 4 * w;
        GemmMicroKernel.Run<T, TV, TS, TMr, C2>(k, ref h, ldh, ref b, ldb, ref z, ldz, false, ref Unsafe.NullRef<T>(), false);
        GemmMicroKernel.Run<T, TV, TS, TMr, C2>(k, ref h, ldh, ref Unsafe.Add(ref b, 2 * w), ldb, ref Unsafe.Add(ref z, 2 * w), ldz, false, ref Unsafe.NullRef<T>(), false);
    }

    /// <summary>
    /// One row: z[v] = Σ_q h[q]·b[q·NV·L + v·L ..] for the NV vectors v, parked at z[v·L ..]: the sums of the GEMM's
    /// one-row kernel (<see cref="GemmMicroKernel.OneRow"/>, two chains) over the panel.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void One<T, TV, TS, TNv>(int k, ref T h, ref T b, ref T z)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst
    {
        nint w = TS.Count;
        GemmMicroKernel.OneRow<T, TV, TS, TNv>(k, ref h, ref b, TNv.Value * w, out TV z0, out TV z1, out TV z2, out TV z3);
        TS.Store(z0, ref z);
        TS.Store(z1, ref Unsafe.Add(ref z, w));
        TS.Store(z2, ref Unsafe.Add(ref z, 2 * w));
        if (TNv.Value > 3) TS.Store(z3, ref Unsafe.Add(ref z, 3 * w));
    }

    /// <summary>
    /// MR rows (1..6, <typeparamref name="TMr"/>): z[r·ldz + v·L ..] = Σ_q h[r·ldh + q]·b[q·NV·L + v·L ..] (one chain
    /// per accumulator from zero, q ascending: the summation order of the GEMM's multi-row tiles).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile<T, TV, TS, TNv, TMr>(int k, ref T h, nint ldh, ref T b, ref T z, nint ldz)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst where TMr : struct, IConst
    {
        int mr = TMr.Value, nv = TNv.Value;
        nint w = TS.Count, ldb = nv * w;
        TV zero = TS.Splat(0.0);
        TV c00 = zero, c01 = zero, c02 = zero, c03 = zero;
        TV c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        TV c20 = zero, c21 = zero, c22 = zero, c23 = zero;
        TV c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        TV c40 = zero, c41 = zero, c42 = zero, c43 = zero;
        TV c50 = zero, c51 = zero, c52 = zero, c53 = zero;
        ref T a0 = ref h;
        ref T a1 = ref Unsafe.Add(ref h, mr > 1 ? ldh : 0);
        ref T a2 = ref Unsafe.Add(ref h, mr > 2 ? 2 * ldh : 0);
        ref T a3 = ref Unsafe.Add(ref h, mr > 3 ? 3 * ldh : 0);
        ref T a4 = ref Unsafe.Add(ref h, mr > 4 ? 4 * ldh : 0);
        ref T a5 = ref Unsafe.Add(ref h, mr > 5 ? 5 * ldh : 0);
        ref T bp = ref b;
        for (nint q = 0; q < k; q++)
        {
            TV b0 = TS.Load(ref bp);
            TV b1 = TS.Load(ref Unsafe.Add(ref bp, w));
            TV b2 = TS.Load(ref Unsafe.Add(ref bp, 2 * w));
            TV b3 = nv > 3 ? TS.Load(ref Unsafe.Add(ref bp, 3 * w)) : zero;
            TV av = TS.Splat(Unsafe.Add(ref a0, q));
            c00 = TS.MulAdd(av, b0, c00); c01 = TS.MulAdd(av, b1, c01); c02 = TS.MulAdd(av, b2, c02); if (nv > 3) c03 = TS.MulAdd(av, b3, c03);
            if (mr > 1) { av = TS.Splat(Unsafe.Add(ref a1, q)); c10 = TS.MulAdd(av, b0, c10); c11 = TS.MulAdd(av, b1, c11); c12 = TS.MulAdd(av, b2, c12); if (nv > 3) c13 = TS.MulAdd(av, b3, c13); }
            if (mr > 2) { av = TS.Splat(Unsafe.Add(ref a2, q)); c20 = TS.MulAdd(av, b0, c20); c21 = TS.MulAdd(av, b1, c21); c22 = TS.MulAdd(av, b2, c22); if (nv > 3) c23 = TS.MulAdd(av, b3, c23); }
            if (mr > 3) { av = TS.Splat(Unsafe.Add(ref a3, q)); c30 = TS.MulAdd(av, b0, c30); c31 = TS.MulAdd(av, b1, c31); c32 = TS.MulAdd(av, b2, c32); if (nv > 3) c33 = TS.MulAdd(av, b3, c33); }
            if (mr > 4) { av = TS.Splat(Unsafe.Add(ref a4, q)); c40 = TS.MulAdd(av, b0, c40); c41 = TS.MulAdd(av, b1, c41); c42 = TS.MulAdd(av, b2, c42); if (nv > 3) c43 = TS.MulAdd(av, b3, c43); }
            if (mr > 5) { av = TS.Splat(Unsafe.Add(ref a5, q)); c50 = TS.MulAdd(av, b0, c50); c51 = TS.MulAdd(av, b1, c51); c52 = TS.MulAdd(av, b2, c52); if (nv > 3) c53 = TS.MulAdd(av, b3, c53); }
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        Park<T, TV, TS>(nv, ref z, c00, c01, c02, c03);
        if (mr > 1) Park<T, TV, TS>(nv, ref Unsafe.Add(ref z, ldz), c10, c11, c12, c13);
        if (mr > 2) Park<T, TV, TS>(nv, ref Unsafe.Add(ref z, 2 * ldz), c20, c21, c22, c23);
        if (mr > 3) Park<T, TV, TS>(nv, ref Unsafe.Add(ref z, 3 * ldz), c30, c31, c32, c33);
        if (mr > 4) Park<T, TV, TS>(nv, ref Unsafe.Add(ref z, 4 * ldz), c40, c41, c42, c43);
        if (mr > 5) Park<T, TV, TS>(nv, ref Unsafe.Add(ref z, 5 * ldz), c50, c51, c52, c53);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Park<T, TV, TS>(int nv, ref T z, TV a, TV b, TV c, TV d) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        nint w = TS.Count;
        TS.Store(a, ref z);
        TS.Store(b, ref Unsafe.Add(ref z, w));
        TS.Store(c, ref Unsafe.Add(ref z, 2 * w));
        if (nv > 3) TS.Store(d, ref Unsafe.Add(ref z, 3 * w));
    }
}

/// <summary>Room for 6 rows × 4 vectors of up to 64 bytes: the sums <see cref="RecurrentPanels"/> parks for the gate code.</summary>
[InlineArray(6 * 4 * 64)]
internal struct RecurrentTile
{
    private byte _element;
}
