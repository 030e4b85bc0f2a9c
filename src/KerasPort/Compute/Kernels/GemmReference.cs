using System.Numerics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// The definitional GEMM: C[i,j] = (accumulate ? C[i,j] : 0) + Σ_p A[i,p]·B[p,j] (+ bias[j]), each dot product
/// summed in double in order p = 0..k−1 and rounded once to T. Slow; the yardstick for <see cref="Gemm"/>.
/// </summary>
public static class GemmReference
{
    /// <summary>Same contract as <see cref="Gemm.Multiply{T}(int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, int, Span{T}, int, ReadOnlySpan{T}, bool)"/>.</summary>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc,
        ReadOnlySpan<T> bias = default, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Num.EnsureSupported<T>();
        GemmChecks.Validate(m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, bias.Length);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += double.CreateTruncating(a[i * lda + p]) * double.CreateTruncating(b[p * ldb + j]);
                if (accumulate) s += double.CreateTruncating(c[i * ldc + j]);
                if (!bias.IsEmpty) s += double.CreateTruncating(bias[j]);
                c[i * ldc + j] = T.CreateTruncating(s);
            }
    }
}
