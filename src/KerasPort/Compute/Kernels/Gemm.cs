using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Dense matrix products on row-major spans, C[m×n] = (accumulate ? C : 0) + A[m×k]·B[k×n] (+ bias[n] added to
/// every row), float or double. B is either a plain row-major span or a <see cref="PackedMatrix{T}"/> (preferred
/// for weights: packed once, read sequentially). Single-threaded, no allocation per call (edge scratch comes from
/// the shared array pool). m = 1 (GEMV, a batch-1 recurrent step) has its own kernel with eight FMA chains; a product
/// of two rows or more never leaves a row alone in a tile (<see cref="GemmLayout.RowsOfTile"/>), so each of its rows sums in
/// one chain per lane, the same whatever the rows around it: with k up to <see cref="GemmLayout.KC"/> (no k-blocking), a
/// row's result does not depend on how the rows were grouped into products.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// C = (accumulate ? C : 0) + A·B (+ bias) with B a plain row-major k × n matrix.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="a">A, row i at a[i·lda ..].</param>
    /// <param name="lda">Leading dimension of A (≥ k).</param>
    /// <param name="b">B, row p at b[p·ldb ..].</param>
    /// <param name="ldb">Leading dimension of B (≥ n).</param>
    /// <param name="c">C, row i at c[i·ldc ..]; must not overlap A or B.</param>
    /// <param name="ldc">Leading dimension of C (≥ n).</param>
    /// <param name="bias">Empty for none, else n values added to every row of C.</param>
    /// <param name="accumulate">Add to the existing C instead of overwriting it.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes or spans too short.</exception>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc,
        ReadOnlySpan<T> bias = default, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmChecks.Validate(m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, bias.Length);
        if (m == 0 || n == 0) return;
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rc = ref MemoryMarshal.GetReference(c);
        ref T rbias = ref MemoryMarshal.GetReference(bias);
        switch (GemmLayout.Width)
        {
            case SimdWidth.V512: Driver<T, Vector512<T>, V512<T>, C4>.Run(m, n, k, ref ra, lda, ref rb, ldb, false, ref rc, ldc, ref rbias, !bias.IsEmpty, accumulate); break;
            case SimdWidth.V256: Driver<T, Vector256<T>, V256<T>, C2>.Run(m, n, k, ref ra, lda, ref rb, ldb, false, ref rc, ldc, ref rbias, !bias.IsEmpty, accumulate); break;
            case SimdWidth.V128: Driver<T, Vector128<T>, V128<T>, C2>.Run(m, n, k, ref ra, lda, ref rb, ldb, false, ref rc, ldc, ref rbias, !bias.IsEmpty, accumulate); break;
            default: ScalarPlain(m, n, k, a, lda, b, ldb, c, ldc, bias, accumulate); break;
        }
    }

    /// <summary>C = (accumulate ? C : 0) + A·B (+ bias) with B prepacked; k = B.Rows, n = B.Columns.</summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="a">A (m × B.Rows), row i at a[i·lda ..].</param>
    /// <param name="lda">Leading dimension of A (≥ B.Rows).</param>
    /// <param name="b">The packed right-hand matrix.</param>
    /// <param name="c">C (m × B.Columns), row i at c[i·ldc ..]; must not overlap A.</param>
    /// <param name="ldc">Leading dimension of C (≥ B.Columns).</param>
    /// <param name="bias">Empty for none, else B.Columns values added to every row of C.</param>
    /// <param name="accumulate">Add to the existing C instead of overwriting it.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes or spans too short.</exception>
    public static void Multiply<T>(int m, ReadOnlySpan<T> a, int lda, PackedMatrix<T> b, Span<T> c, int ldc,
        ReadOnlySpan<T> bias = default, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        MultiplyPanels(m, a, lda, b, 0, b.Panels, c, ldc, bias, accumulate);
    }

    /// <summary>
    /// Columns [firstPanel·NR, min(endPanel·NR, n)) of <see cref="Multiply{T}(int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, ReadOnlySpan{T}, bool)"/>
    /// (same arguments, whole C and bias): the other columns of C are not touched. Every column is computed exactly as in
    /// the whole product (columns never meet), so two threads can each take a range of panels.
    /// </summary>
    internal static void MultiplyPanels<T>(int m, ReadOnlySpan<T> a, int lda, PackedMatrix<T> b, int firstPanel, int endPanel, Span<T> c, int ldc,
        ReadOnlySpan<T> bias = default, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        int n = b.Columns, k = b.Rows, nr = b.PanelWidth;
        GemmChecks.Validate(m, n, k, a.Length, lda, b.Data.Length, n, c.Length, ldc, bias.Length, packed: true);
        if (firstPanel < 0 || firstPanel > endPanel || endPanel > b.Panels)
            throw new ArgumentException($"panels [{firstPanel}, {endPanel}) are outside the matrix's {b.Panels} panels.");
        if (b.PanelWidth != GemmLayout.PanelWidth<T>())
            throw new ArgumentException($"the matrix was packed with panels of {b.PanelWidth} columns, this process uses {GemmLayout.PanelWidth<T>()}.", nameof(b));
        int j0 = firstPanel * nr, width = Math.Min(endPanel * nr, n) - j0;
        if (m == 0 || width <= 0) return;
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref Unsafe.Add(ref MemoryMarshal.GetReference(b.Data), (nint)firstPanel * k * nr);
        ref T rc = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), j0);
        ref T rbias = ref bias.IsEmpty ? ref Unsafe.NullRef<T>() : ref Unsafe.Add(ref MemoryMarshal.GetReference(bias), j0);
        switch (GemmLayout.Width)
        {
            case SimdWidth.V512: Driver<T, Vector512<T>, V512<T>, C4>.Run(m, width, k, ref ra, lda, ref rb, 0, true, ref rc, ldc, ref rbias, !bias.IsEmpty, accumulate); break;
            case SimdWidth.V256: Driver<T, Vector256<T>, V256<T>, C2>.Run(m, width, k, ref ra, lda, ref rb, 0, true, ref rc, ldc, ref rbias, !bias.IsEmpty, accumulate); break;
            case SimdWidth.V128: Driver<T, Vector128<T>, V128<T>, C2>.Run(m, width, k, ref ra, lda, ref rb, 0, true, ref rc, ldc, ref rbias, !bias.IsEmpty, accumulate); break;
            default: ScalarPacked(m, a, lda, b, c, ldc, bias, accumulate, firstPanel, endPanel); break;
        }
    }

    /// <summary>y[n] = (accumulate ? y : 0) + x[k]·B (+ bias): the batch-1 recurrent product h·U.</summary>
    /// <exception cref="ArgumentException">Spans shorter than B's sizes.</exception>
    public static void Gemv<T>(ReadOnlySpan<T> x, PackedMatrix<T> b, Span<T> y, ReadOnlySpan<T> bias = default, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        Multiply(1, x, b.Rows, b, y, b.Columns, bias, accumulate);
    }

    private static void ScalarPlain<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, ReadOnlySpan<T> bias, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> ci = c.Slice(i * ldc, n);
            if (!accumulate) ci.Clear();
            Span<T> sum = ci;
            // C row += Σ_p A[i,p]·B[p,:] (i-p-j order: unit stride in B and C).
            for (int p = 0; p < k; p++)
            {
                T aip = a[i * lda + p];
                ReadOnlySpan<T> bp = b.Slice(p * ldb, n);
                for (int j = 0; j < n; j++) sum[j] += aip * bp[j];
            }
            if (!bias.IsEmpty) for (int j = 0; j < n; j++) ci[j] += bias[j];
        }
    }

    private static void ScalarPacked<T>(int m, ReadOnlySpan<T> a, int lda, PackedMatrix<T> b, Span<T> c, int ldc, ReadOnlySpan<T> bias, bool accumulate,
        int firstPanel, int endPanel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = b.Columns, k = b.Rows, nr = b.PanelWidth;
        ReadOnlySpan<T> data = b.Data;
        for (int i = 0; i < m; i++)
        {
            for (int jp = firstPanel; jp < endPanel; jp++)
            {
                int j0 = jp * nr, width = Math.Min(nr, n - j0);
                Span<T> cj = c.Slice(i * ldc + j0, width);
                if (!accumulate) cj.Clear();
                ReadOnlySpan<T> panel = data.Slice(jp * k * nr, k * nr);
                for (int p = 0; p < k; p++)
                {
                    T aip = a[i * lda + p];
                    for (int j = 0; j < width; j++) cj[j] += aip * panel[p * nr + j];
                }
                if (!bias.IsEmpty) for (int j = 0; j < width; j++) cj[j] += bias[j0 + j];
            }
        }
    }

    /// <summary>The blocked loops around the micro-kernel for one width (TNv vectors per tile row).</summary>
    private static class Driver<T, TV, TS, TNv> where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TNv : struct, IConst
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(int m, int n, int k, ref T a, nint lda, ref T b, nint ldb, bool packed, ref T c, nint ldc, ref T bias, bool hasBias, bool accumulate)
        {
            int nr = TNv.Value * TS.Count;
            int panels = (n + nr - 1) / nr;
            int mr = GemmLayout.MR;
            // k-blocking only pays when the panel slice is reused by several row blocks.
            int kcMax = m > mr ? GemmLayout.KC : Math.Max(k, 1);
            T[]? edgeB = null;
            try
            {
                for (int pc = 0; pc < k || (pc == 0 && k == 0); pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    bool first = pc == 0;
                    bool acc = accumulate || !first;
                    bool addBias = hasBias && first;
                    // row blocks of MC rows (the last one takes up to MC + MR + 1, so that no tile crosses a block)
                    for (int ic = 0, icEnd; ic < m; ic = icEnd)
                    {
                        icEnd = m - ic <= GemmLayout.MC + GemmLayout.MR + 1 ? m : ic + GemmLayout.MC;
                        for (int jp = 0; jp < panels; jp++)
                        {
                            int j0 = jp * nr, width = Math.Min(nr, n - j0);
                            scoped ref T panel = ref Unsafe.NullRef<T>();
                            nint panelStride;
                            if (packed)
                            {
                                panel = ref Unsafe.Add(ref b, (nint)jp * k * nr + (nint)pc * nr);
                                panelStride = nr;
                            }
                            else if (width == nr)
                            {
                                panel = ref Unsafe.Add(ref b, (nint)pc * ldb + j0);
                                panelStride = ldb;
                            }
                            else
                            {
                                // Last partial panel of a plain B: copy it, zero-padded, so full vectors can be loaded.
                                edgeB ??= ArrayPool<T>.Shared.Rent(Math.Max(kc, 1) * nr);
                                Span<T> e = edgeB.AsSpan(0, kc * nr);
                                e.Clear();
                                for (int p = 0; p < kc; p++)
                                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, (nint)(pc + p) * ldb + j0), width).CopyTo(e.Slice(p * nr, width));
                                panel = ref edgeB[0];
                                panelStride = nr;
                            }
                            ref T cPanel = ref Unsafe.Add(ref c, j0);
                            ref T biasPanel = ref hasBias ? ref Unsafe.Add(ref bias, j0) : ref Unsafe.NullRef<T>();
                            // the rows of this row block, tiled as in the whole product (the tile sizes depend on the rows
                            // left in the product, and MC is a multiple of MR)
                            for (int i = ic, rows; i < icEnd; i += rows)
                            {
                                rows = GemmLayout.RowsOfTile(m - i);
                                ref T ai = ref Unsafe.Add(ref a, (nint)i * lda + pc);
                                ref T ci = ref Unsafe.Add(ref cPanel, (nint)i * ldc);
                                if (width == nr)
                                    Tile(rows, kc, ref ai, lda, ref panel, panelStride, ref ci, ldc, acc, ref biasPanel, addBias);
                                else
                                    EdgeTile(rows, width, nr, kc, ref ai, lda, ref panel, panelStride, ref ci, ldc, acc, ref biasPanel, addBias);
                            }
                        }
                    }
                    if (k == 0) break;
                }
            }
            finally
            {
                if (edgeB is not null) ArrayPool<T>.Shared.Return(edgeB);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile(int rows, int kc, ref T a, nint lda, ref T b, nint ldb, ref T c, nint ldc, bool acc, ref T bias, bool addBias) =>
            Tile<TNv>(rows, kc, ref a, lda, ref b, ldb, ref c, ldc, acc, ref bias, addBias);

        /// <summary>A tile of <c>TN</c> vectors per row (TNv for full panels; fewer for a narrow last panel).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile<TN>(int rows, int kc, ref T a, nint lda, ref T b, nint ldb, ref T c, nint ldc, bool acc, ref T bias, bool addBias)
            where TN : struct, IConst
        {
            switch (rows)
            {
                case 6: GemmMicroKernel.Run<T, TV, TS, C6, TN>(kc, ref a, lda, ref b, ldb, ref c, ldc, acc, ref bias, addBias); break;
                case 5: GemmMicroKernel.Run<T, TV, TS, C5, TN>(kc, ref a, lda, ref b, ldb, ref c, ldc, acc, ref bias, addBias); break;
                case 4: GemmMicroKernel.Run<T, TV, TS, C4, TN>(kc, ref a, lda, ref b, ldb, ref c, ldc, acc, ref bias, addBias); break;
                case 3: GemmMicroKernel.Run<T, TV, TS, C3, TN>(kc, ref a, lda, ref b, ldb, ref c, ldc, acc, ref bias, addBias); break;
                case 2: GemmMicroKernel.Run<T, TV, TS, C2, TN>(kc, ref a, lda, ref b, ldb, ref c, ldc, acc, ref bias, addBias); break;
                default: GemmMicroKernel.RunRow<T, TV, TS, TN>(kc, ref a, ref b, ldb, ref c, acc, ref bias, addBias); break;
            }
        }

        /// <summary>
        /// A tile whose panel has fewer than NR valid columns: only the vectors that hold valid columns are computed
        /// (a Dense(10) head reads one vector of its 64-column panel, not four), into a stack tile whose valid part is
        /// copied out. Each lane sums exactly as in a full tile.
        /// </summary>
        [SkipLocalsInit] // the stack tile is written before it is read: C copied in when accumulating, else stored by the micro-kernel
        private static void EdgeTile(int rows, int width, int nr, int kc, ref T a, nint lda, ref T b, nint ldb, ref T c, nint ldc, bool acc, ref T bias, bool addBias)
        {
            Span<T> tile = stackalloc T[GemmLayout.MR * 64];
            Span<T> tileBias = stackalloc T[64];
            for (int r = 0; r < rows; r++)
            {
                if (acc) MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref c, r * ldc), width).CopyTo(tile.Slice(r * nr, width));
            }
            if (addBias) MemoryMarshal.CreateReadOnlySpan(ref bias, width).CopyTo(tileBias);
            int vectors = (width + TS.Count - 1) / TS.Count;
            if (vectors == 1 && TNv.Value > 1) Tile<C1>(rows, kc, ref a, lda, ref b, ldb, ref tile[0], nr, acc, ref tileBias[0], addBias);
            else if (vectors == 2 && TNv.Value > 2) Tile<C2>(rows, kc, ref a, lda, ref b, ldb, ref tile[0], nr, acc, ref tileBias[0], addBias);
            else if (vectors == 3 && TNv.Value > 3) Tile<C3>(rows, kc, ref a, lda, ref b, ldb, ref tile[0], nr, acc, ref tileBias[0], addBias);
            else Tile(rows, kc, ref a, lda, ref b, ldb, ref tile[0], nr, acc, ref tileBias[0], addBias);
            for (int r = 0; r < rows; r++)
                tile.Slice(r * nr, width).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, r * ldc), width));
        }
    }
}

/// <summary>Argument checks shared by <see cref="Gemm"/> and <see cref="GemmReference"/>.</summary>
internal static class GemmChecks
{
    public static void Validate(int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc, int biasLength, bool packed = false)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative GEMM size m={m}, n={n}, k={k}.");
        if (lda < k) throw new ArgumentException($"lda {lda} is less than k {k}.", nameof(lda));
        if (!packed && ldb < n) throw new ArgumentException($"ldb {ldb} is less than n {n}.", nameof(ldb));
        if (ldc < n) throw new ArgumentException($"ldc {ldc} is less than n {n}.", nameof(ldc));
        if (m > 0 && k > 0 && aLength < (long)(m - 1) * lda + k) throw new ArgumentException($"A ({m} × {k}, lda {lda}) needs {(long)(m - 1) * lda + k} elements, has {aLength}.", "a");
        if (!packed && k > 0 && n > 0 && bLength < (long)(k - 1) * ldb + n) throw new ArgumentException($"B ({k} × {n}, ldb {ldb}) needs {(long)(k - 1) * ldb + n} elements, has {bLength}.", "b");
        if (m > 0 && n > 0 && cLength < (long)(m - 1) * ldc + n) throw new ArgumentException($"C ({m} × {n}, ldc {ldc}) needs {(long)(m - 1) * ldc + n} elements, has {cLength}.", "c");
        if (biasLength != 0 && biasLength < n) throw new ArgumentException($"bias has {biasLength} elements, n is {n}.", "bias");
    }
}
