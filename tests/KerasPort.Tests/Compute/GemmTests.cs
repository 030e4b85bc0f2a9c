using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// <see cref="Gemm"/> (plain and packed B, GEMV) against <see cref="GemmReference"/> over m, n, k in 1..40 and a
/// few large shapes, float and double, with bias, accumulation and padded leading dimensions.
/// </summary>
/// <remarks>
/// Bound (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): any order of summing k products with one
/// rounding per multiply-add, plus the accumulate and bias additions, errs by at most γ_{k+2}·S with
/// S = Σ_p |A_ip·B_pj| + |C_ij| + |bias_j| and γ_j = j·u/(1 − j·u). The reference sums in double and rounds once
/// (≤ 0.5 ulp for float; for double it has its own γ_{k+2}·S). The test allows 2·(k + 3)·u·S: both errors with margin,
/// and still orders of magnitude below what an indexing bug produces (errors of size S itself).
/// Padding between rows holds NaN so a read outside the logical matrices poisons the result, and C's padding holds a
/// sentinel that must survive.
/// </remarks>
[Trait("Category", "Kernels")]
public class GemmTests
{
    private static readonly int[] SomeK = [1, 2, 3, 5, 8, 13, 16, 17, 31, 40];
    private static readonly int[] SomeN = [1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65];

    [Fact]
    public void All_m_and_n_up_to_40_float() => SweepMN<float>();

    [Fact]
    public void All_m_and_n_up_to_40_double() => SweepMN<double>();

    [Fact]
    public void All_k_up_to_40_float() => SweepK<float>();

    [Fact]
    public void All_k_up_to_40_double() => SweepK<double>();

    private static void SweepMN<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(11);
        for (int m = 1; m <= 40; m++)
            for (int n = 1; n <= 40; n++)
            {
                int k = SomeK[(m * 7 + n) % SomeK.Length];
                Case<T>(rnd, m, n, k, bias: (m + n) % 2 == 0, accumulate: (m + n) % 3 == 0, pad: (m * n) % 4);
            }
    }

    private static void SweepK<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(12);
        for (int k = 1; k <= 40; k++)
            foreach (int m in new[] { 1, 2, 5, 6, 7, 13 })
            {
                int n = SomeN[(k + m) % SomeN.Length];
                Case<T>(rnd, m, n, k, bias: k % 2 == 0, accumulate: k % 3 == 1, pad: k % 3);
            }
    }

    /// <summary>
    /// With k up to one k-block, a row's result is the same bits whichever product of two rows or more it is computed
    /// in: the whole product, or any cut of its rows into two products of two rows or more (a product never leaves a
    /// row alone in a tile, which would sum in two chains). The batch splits and the LSTM's step-by-step projection
    /// rely on it. Fails when the last of 6q + 1 rows is tiled alone.
    /// </summary>
    [Theory]
    [InlineData(64, 96)]
    [InlineData(256, 64)]
    [InlineData(37, 10)]
    public void A_row_sums_alike_in_any_product_of_two_rows_or_more(int k, int n)
    {
        var rnd = new Random(k * 31 + n);
        for (int m = 2; m <= 26; m++)
        {
            var a = new float[m * k];
            for (int i = 0; i < a.Length; i++) a[i] = (float)(rnd.NextDouble() * 2 - 1);
            var b = new float[k * n];
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rnd.NextDouble() * 2 - 1);
            var bias = new float[n];
            for (int i = 0; i < n; i++) bias[i] = (float)(rnd.NextDouble() - 0.5);
            var packed = PackedMatrix<float>.Pack(b, k, n);
            var whole = new float[m * n];
            Gemm.Multiply<float>(m, a, k, packed, whole, n, bias);
            for (int cut = 2; cut <= m - 2; cut++)
            {
                var parts = new float[m * n];
                Gemm.Multiply<float>(cut, a, k, packed, parts, n, bias);
                Gemm.Multiply<float>(m - cut, a.AsSpan(cut * k), k, packed, parts.AsSpan(cut * n), n, bias);
                Assert.True(whole.AsSpan().SequenceEqual(parts), $"m = {m}, cut at row {cut}");
            }
        }
    }

    /// <summary>
    /// Products over several row blocks of <see cref="GemmLayout.MC"/> rows (the last block taking up to MC + MR + 1, so
    /// no tile crosses a block): every row near a block boundary against the reference, with k-blocks and accumulation,
    /// and each row the same bits as in a product of that row's 12-row slice (k within one k-block). Fails when a tile
    /// crosses a block boundary (its rows summed twice) or a block is skipped.
    /// </summary>
    [Theory]
    [InlineData(GemmLayout.MC + 1, 40, 33)]
    [InlineData(GemmLayout.MC + GemmLayout.MR + 1, 300, 20)]
    [InlineData(GemmLayout.MC + GemmLayout.MR + 2, 40, 20)]
    [InlineData(2 * GemmLayout.MC + 7, 257, 17)]
    [InlineData(3 * GemmLayout.MC, 64, 40)]
    public void Row_blocks_cover_every_row_once(int m, int k, int n)
    {
        var rnd = new Random(m * 7 + k);
        Case<float>(rnd, m, n, k, bias: true, accumulate: true, pad: 1);
        Case<double>(rnd, m, n, k, bias: false, accumulate: false, pad: 0);
        if (k > GemmLayout.KC) return;
        var a = new float[m * k];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rnd.NextDouble() * 2 - 1);
        var b = new float[k * n];
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rnd.NextDouble() * 2 - 1);
        var packed = PackedMatrix<float>.Pack(b, k, n);
        var whole = new float[m * n];
        Gemm.Multiply<float>(m, a, k, packed, whole, n);
        for (int r0 = 0; r0 < m; r0 += 12)
        {
            int rows = Math.Min(12, m - r0);
            if (rows < 2) r0 = m - (rows = 2); // a lone row sums in two chains
            var slice = new float[rows * n];
            Gemm.Multiply<float>(rows, a.AsSpan(r0 * k), k, packed, slice, n);
            Assert.True(whole.AsSpan(r0 * n, rows * n).SequenceEqual(slice), $"m = {m}, rows {r0}..{r0 + rows}");
        }
    }

    [Theory]
    [InlineData(64, 300, 200)]   // several row blocks and k-blocks (KC = 256)
    [InlineData(7, 1030, 70)]    // k spanning five k-blocks with a ragged last one
    [InlineData(13, 300, 130)]
    [InlineData(1, 512, 2048)]
    [InlineData(3, 257, 100)]
    [InlineData(100, 40, 128)]
    public void Large_shapes(int m, int k, int n)
    {
        var rnd = new Random(m + k + n);
        Case<float>(rnd, m, n, k, bias: true, accumulate: false, pad: 1);
        Case<double>(rnd, m, n, k, bias: true, accumulate: true, pad: 0);
    }

    [Fact]
    public void Zero_sizes_and_k_zero()
    {
        var c = new float[] { 5, 5 };
        Gemm.Multiply(1, 2, 0, ReadOnlySpan<float>.Empty, 0, ReadOnlySpan<float>.Empty, 2, c, 2, new float[] { 1, 2 });
        Assert.Equal([1f, 2f], c);
        Gemm.Multiply(0, 2, 3, ReadOnlySpan<float>.Empty, 3, new float[6], 2, Span<float>.Empty, 2);
        var packed = PackedMatrix<float>.Pack(ReadOnlySpan<float>.Empty, 0, 3);
        var y = new float[] { 1, 1, 1 };
        Gemm.Gemv(ReadOnlySpan<float>.Empty, packed, y, accumulate: true);
        Assert.Equal([1f, 1f, 1f], y);
    }

    [Fact]
    public void Small_products_by_hand()
    {
        // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]; + bias [1, -1]; accumulated onto [100, 0; 0, 100].
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        var c = new float[4];
        Gemm.Multiply(2, 2, 2, a, 2, b, 2, c, 2);
        Assert.Equal([19f, 22f, 43f, 50f], c);
        c = [100, 0, 0, 100];
        Gemm.Multiply(2, a, 2, PackedMatrix<float>.Pack(b, 2, 2), c, 2, new float[] { 1, -1 }, accumulate: true);
        Assert.Equal([120f, 21f, 44f, 149f], c);
        var y = new double[2];
        Gemm.Gemv(new double[] { 1, -1 }, PackedMatrix<double>.Pack(new double[] { 5, 6, 7, 8 }, 2, 2), y);
        Assert.Equal([-2.0, -2.0], y);
    }

    [Fact]
    public void Packed_matrix_keeps_every_element_and_packs_column_blocks()
    {
        var rnd = new Random(3);
        float[] u = KernelAssert.Uniform<float>(rnd, 7 * 30, -1, 1);
        var all = PackedMatrix<float>.Pack(u, 7, 30);
        var right = PackedMatrix<float>.Pack(u.AsSpan(20), 7, 10, 30);
        for (int p = 0; p < 7; p++)
            for (int j = 0; j < 30; j++)
            {
                Assert.Equal(u[p * 30 + j], all[p, j]);
                if (j >= 20) Assert.Equal(u[p * 30 + j], right[p, j - 20]);
            }
        Assert.Throws<ArgumentOutOfRangeException>(() => all[7, 0]);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var a = new float[6]; var b = new float[6]; var c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 3, a, 2, b, 2, c, 2));      // lda < k
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 3, a, 3, b, 1, c, 2));      // ldb < n
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 3, 3, a, 3, new float[9], 3, c, 3)); // C too short
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 3, a, 3, b, 2, c, 2, new float[1])); // bias too short
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(-1, 2, 3, a, 3, b, 2, c, 2));
        Assert.Throws<ArgumentException>(() => PackedMatrix<float>.Pack(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, new float[5], 3, PackedMatrix<float>.Pack(b, 3, 2), c, 2));
    }

    private static void Case<T>(Random rnd, int m, int n, int k, bool bias, bool accumulate, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = k + pad, ldb = n + pad, ldc = n + 2 * pad;
        T nan = T.NaN, sentinel = T.CreateTruncating(-7777);
        T[] a = Padded<T>(rnd, m, k, lda, nan);
        T[] b = Padded<T>(rnd, k, n, ldb, nan);
        T[] c0 = Padded<T>(rnd, m, n, ldc, sentinel);
        T[] biasValues = bias ? KernelAssert.Uniform<T>(rnd, n, -1, 1) : [];

        var expected = (T[])c0.Clone();
        GemmReference.Multiply<T>(m, n, k, a, lda, b, ldb, expected, ldc, biasValues, accumulate);

        var plain = (T[])c0.Clone();
        Gemm.Multiply<T>(m, n, k, a, lda, b, ldb, plain, ldc, biasValues, accumulate);
        var packedB = PackedMatrix<T>.Pack(b, k, n, ldb);
        var packed = (T[])c0.Clone();
        Gemm.Multiply<T>(m, a, lda, packedB, packed, ldc, biasValues, accumulate);

        double u = KernelAssert.U<T>();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += Math.Abs(double.CreateTruncating(a[i * lda + p]) * double.CreateTruncating(b[p * ldb + j]));
                if (accumulate) s += Math.Abs(double.CreateTruncating(c0[i * ldc + j]));
                if (bias) s += Math.Abs(double.CreateTruncating(biasValues[j]));
                double tol = 2 * (k + 3) * u * s;
                string where = $"{typeof(T).Name} m={m} n={n} k={k} bias={bias} acc={accumulate} pad={pad} C[{i},{j}]";
                KernelAssert.Within(plain[i * ldc + j], expected[i * ldc + j], tol, "plain " + where);
                KernelAssert.Within(packed[i * ldc + j], expected[i * ldc + j], tol, "packed " + where);
            }
            for (int j = n; j < ldc && i * ldc + j < c0.Length; j++)
            {
                Assert.Equal(sentinel, plain[i * ldc + j]);
                Assert.Equal(sentinel, packed[i * ldc + j]);
            }
        }
        if (m == 1 && lda == k)
        {
            var y = (T[])c0.Clone();
            Gemm.Gemv<T>(a.AsSpan(0, k), packedB, y.AsSpan(0, n), biasValues, accumulate);
            for (int j = 0; j < n; j++) Assert.Equal(packed[j], y[j]);
        }
    }

    /// <summary>rows × cols random values in [-1, 1) with leading dimension ld; the gaps hold <paramref name="fill"/>.</summary>
    private static T[] Padded<T>(Random rnd, int rows, int cols, int ld, T fill) where T : IFloatingPointIeee754<T>
    {
        var x = new T[Math.Max(0, (rows - 1) * ld + cols + (ld - cols))];
        Array.Fill(x, fill);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) x[r * ld + c] = T.CreateTruncating(rnd.NextDouble() * 2 - 1);
        return x;
    }
}
