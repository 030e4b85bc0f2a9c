using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>Where a batch can be cut between two threads without changing any row's arithmetic.</summary>
internal static class BatchSplitPoint
{
    /// <summary>
    /// A batch row to split at so that both parts run every row through the same kernels as the serial run (the step
    /// kernel's tiles of <paramref name="stepTileRows"/> rows and the projection GEMM's tiles of MR rows, where a tile of
    /// one row sums in another order; GEMM k-blocking needs more than MR rows), as near the middle as possible; 0 when
    /// there is none.
    /// </summary>
    public static int Choose(int batch, int time, int inputSize, int stepTileRows) => ChooseWhere(batch, time, inputSize, stepTileRows, evenTiles: false);

    /// <summary>
    /// As <see cref="Choose(int, int, int, int)"/> for a step kernel that cuts any batch into even tiles of two rows or
    /// more (one row sums in another order only when it is alone): both parts must have at least two rows.
    /// </summary>
    public static int ChooseForEvenTiles(int batch, int time, int inputSize) => ChooseWhere(batch, time, inputSize, 0, evenTiles: true);

    private static int ChooseWhere(int batch, int time, int inputSize, int stepTileRows, bool evenTiles)
    {
        int half = batch / 2;
        for (int d = 0; d <= half; d++)
        {
            foreach (int b0 in (ReadOnlySpan<int>)[half + d, half - d])
            {
                if (b0 < 1 || b0 >= batch) continue;
                if (evenTiles ? b0 < 2 || batch - b0 < 2 : !SameTiles(b0, batch, stepTileRows)) continue;
                long r0 = (long)b0 * time, rows = (long)batch * time;
                if (!SameTiles(r0, rows, GemmLayout.MR)) continue;
                if (inputSize > GemmLayout.KC && (r0 <= GemmLayout.MR || rows - r0 <= GemmLayout.MR)) continue;
                return b0;
            }
        }
        return 0;
    }

    /// <summary>Whether rows [0, first) and [first, total), each tiled from its start by <paramref name="tile"/>, put a one-row tile exactly where the serial tiling does.</summary>
    private static bool SameTiles(long first, long total, int tile) =>
        first % tile != 1 && ((total - first) % tile == 1) == (total % tile == 1);
}
