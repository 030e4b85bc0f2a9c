using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>The vector width the kernels run at in this process.</summary>
internal enum SimdWidth { Scalar, V128, V256, V512 }

/// <summary>
/// Tile geometry chosen once per process from the hardware: micro-tile rows (MR), vectors per micro-tile row (NV),
/// packed panel width NR = NV · lanes, and the k-block (KC) that keeps a B panel slice in L1/L2.
/// </summary>
internal static class GemmLayout
{
    /// <summary>Widest accelerated width (Vector512 counts only when the runtime prefers 512-bit vectors).</summary>
    public static readonly SimdWidth Width =
        Vector512.IsHardwareAccelerated ? SimdWidth.V512 :
        Vector256.IsHardwareAccelerated ? SimdWidth.V256 :
        Vector128.IsHardwareAccelerated ? SimdWidth.V128 : SimdWidth.Scalar;

    /// <summary>Rows per micro-tile.</summary>
    public const int MR = 6;

    /// <summary>
    /// Rows of A per row block (a multiple of <see cref="MR"/>): every panel of B passes over one block of A's rows
    /// (MC × KC, 144 KiB of float) while it stays in L2, instead of over all of A's rows, which a product of thousands of
    /// rows re-read from L3 for every panel.
    /// </summary>
    public const int MC = 144;

    /// <summary>
    /// Rows of the next micro-tile with <paramref name="left"/> rows left: MR, but 4 + 3 for the last seven, so that a
    /// product of two rows or more never has a tile of one row (which sums in two chains, <see cref="Gemm"/>).
    /// </summary>
    public static int RowsOfTile(int left) => left == MR + 1 ? (MR + 2) / 2 : Math.Min(MR, left);

    /// <summary>Vectors per micro-tile row: 4 with 32 vector registers (AVX-512), else 2 (16 registers).</summary>
    public static int VectorsPerRow => Width == SimdWidth.V512 ? 4 : 2;

    /// <summary>Lanes of T in the chosen width (1 for scalar).</summary>
    public static int Lanes<T>() where T : unmanaged => Width switch
    {
        SimdWidth.V512 => Vector512<T>.Count,
        SimdWidth.V256 => Vector256<T>.Count,
        SimdWidth.V128 => Vector128<T>.Count,
        _ => 1,
    };

    /// <summary>Packed panel width in elements (scalar: 8).</summary>
    public static int PanelWidth<T>() where T : unmanaged => Width == SimdWidth.Scalar ? 8 : VectorsPerRow * Lanes<T>();

    /// <summary>k-block: a 256 × NR slice of a B panel (64 KiB for float at 512-bit) stays in L2 while every row block of A passes over it.</summary>
    public const int KC = 256;
}
