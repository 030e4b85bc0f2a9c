using System.Numerics;
using KerasPort.Cells;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// The generic scalar path of the recurrent cells, for element types the SIMD kernels do not take (the dual numbers
/// of forward-mode Jacobians): plain loops over <c>IFloatingPointIeee754</c> arithmetic, same equations.
/// </summary>
internal static class ScalarPath
{
    /// <summary>True when <typeparamref name="T"/> runs on the SIMD kernels (float, double).</summary>
    public static bool IsSimd<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    /// <summary>y[rows × n] (+)= x[rows × k] · w[:, offset .. offset + n] where w has <paramref name="ldw"/> columns; bias added when not empty.</summary>
    public static void MatMul<T>(ReadOnlySpan<T> x, int rows, int k, ReadOnlySpan<T> w, int ldw, int offset, int n, ReadOnlySpan<T> bias,
        Span<T> y, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var yRow = y.Slice(r * n, n);
            if (!accumulate)
            {
                if (bias.IsEmpty) yRow.Clear();
                else bias[..n].CopyTo(yRow);
            }
            else if (!bias.IsEmpty)
            {
                for (int c = 0; c < n; c++) yRow[c] += bias[c];
            }
            var xRow = x.Slice(r * k, k);
            for (int j = 0; j < k; j++)
            {
                T a = xRow[j];
                var wRow = w.Slice(j * ldw + offset, n);
                for (int c = 0; c < n; c++) yRow[c] += a * wRow[c];
            }
        }
    }

    /// <summary>Element-wise activation, generic (exact over dual numbers).</summary>
    public static T Act<T>(in Activation a, T x) where T : unmanaged, IFloatingPointIeee754<T> => CellActivations.Apply(a, x);
}
