using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>Row-major matrix products used by the recurrent cells (y = x·W [+ b], y += x·W).</summary>
internal static class Linear
{
    /// <summary>y[rows × n] = x[rows × k] · w[k × n] (+ bias[n] when not empty).</summary>
    public static void Project<T>(ReadOnlySpan<T> x, int rows, int k, ReadOnlySpan<T> w, int n, ReadOnlySpan<T> bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var yRow = y.Slice(r * n, n);
            if (bias.IsEmpty) yRow.Clear();
            else bias[..n].CopyTo(yRow);
        }
        Accumulate(x, rows, k, w, n, y);
    }

    /// <summary>y[rows × n] += x[rows × k] · w[k × n].</summary>
    public static void Accumulate<T>(ReadOnlySpan<T> x, int rows, int k, ReadOnlySpan<T> w, int n, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var xRow = x.Slice(r * k, k);
            var yRow = y.Slice(r * n, n);
            for (int j = 0; j < k; j++)
            {
                T a = xRow[j];
                var wRow = w.Slice(j * n, n);
                for (int c = 0; c < n; c++) yRow[c] += a * wRow[c];
            }
        }
    }
}
