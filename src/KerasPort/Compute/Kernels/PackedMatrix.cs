using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// A constant k × n right-hand matrix (a Keras <c>kernel</c> or <c>recurrent_kernel</c>) repacked once, at load, into
/// column panels of <see cref="PanelWidth"/> columns: panel j holds rows 0..k−1 of columns j·NR..j·NR+NR−1
/// contiguously (the last panel zero-padded), which is exactly the order the GEMM/GEMV micro-kernels read, so
/// every step streams memory sequentially. The panel width depends on the vector width of this process.
/// </summary>
public sealed class PackedMatrix<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _storage;
    private readonly int _offset, _length;

    private PackedMatrix(int rows, int columns, int panelWidth, T[] storage, int offset, int length)
    {
        Rows = rows; Columns = columns; PanelWidth = panelWidth; _storage = storage; _offset = offset; _length = length;
    }

    /// <summary>k: rows of the logical matrix (the inner dimension of the product).</summary>
    public int Rows { get; }

    /// <summary>n: columns of the logical matrix (the output width).</summary>
    public int Columns { get; }

    /// <summary>Columns per packed panel.</summary>
    public int PanelWidth { get; }

    /// <summary>Number of panels, ⌈n / PanelWidth⌉.</summary>
    public int Panels => (Columns + PanelWidth - 1) / PanelWidth;

    /// <summary>The packed panels, 64-byte aligned (on the pinned object heap, so the alignment holds for the
    /// matrix's lifetime and full-width vector loads never straddle cache lines).</summary>
    internal ReadOnlySpan<T> Data => _storage.AsSpan(_offset, _length);

    /// <summary>
    /// Packs the row-major <paramref name="rows"/> × <paramref name="columns"/> matrix stored in
    /// <paramref name="source"/> with leading dimension <paramref name="ld"/> (≥ columns; pass a slice starting at a
    /// column offset with the full row length as ld to pack a column block, e.g. a GRU's U[:, :2·units]).
    /// </summary>
    /// <exception cref="ArgumentException">Negative sizes, ld &lt; columns, or a source too short.</exception>
    public static PackedMatrix<T> Pack(ReadOnlySpan<T> source, int rows, int columns, int ld)
    {
        Num.EnsureSupported<T>();
        if (rows < 0 || columns < 0) throw new ArgumentException($"negative matrix size {rows} × {columns}.");
        if (ld < columns) throw new ArgumentException($"leading dimension {ld} is less than the {columns} columns.", nameof(ld));
        long needed = rows == 0 ? 0 : (long)(rows - 1) * ld + columns;
        if (source.Length < needed) throw new ArgumentException($"a {rows} × {columns} matrix with leading dimension {ld} needs {needed} elements, the source has {source.Length}.", nameof(source));
        int nr = GemmLayout.PanelWidth<T>();
        int panels = (columns + nr - 1) / nr;
        int length = checked(panels * rows * nr);
        T[] storage = AlignedArray.Allocate<T>(length, out int offset);
        Span<T> data = storage.AsSpan(offset, length);
        for (int jp = 0; jp < panels; jp++)
        {
            int j0 = jp * nr, width = Math.Min(nr, columns - j0);
            Span<T> panel = data.Slice(jp * rows * nr, rows * nr);
            for (int p = 0; p < rows; p++)
                source.Slice(p * ld + j0, width).CopyTo(panel.Slice(p * nr, width));
        }
        return new PackedMatrix<T>(rows, columns, nr, storage, offset, length);
    }

    /// <summary>Packs a contiguous row-major <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    public static PackedMatrix<T> Pack(ReadOnlySpan<T> source, int rows, int columns) => Pack(source, rows, columns, columns);

    /// <summary>The element at (row, column) of the logical matrix.</summary>
    public T this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {column}) is outside {Rows} × {Columns}.");
            int jp = column / PanelWidth;
            return Data[(jp * Rows + row) * PanelWidth + column - jp * PanelWidth];
        }
    }
}
