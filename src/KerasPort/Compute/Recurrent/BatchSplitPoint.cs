using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>Where a batch can be cut between two threads without changing any row's arithmetic.</summary>
internal static class BatchSplitPoint
{
    /// <summary>
    /// A batch row to split at, as near the middle as possible, so that both parts run every row through the same
    /// kernels as the serial run; 0 when there is none. A row sums in another order only when it is alone in its product
    /// (the GEMM and the step kernels cut two rows or more into tiles of two or more, <see cref="GemmLayout.RowsOfTile"/>),
    /// so each part keeps two rows or more. A product whose k is wider than <see cref="GemmLayout.KC"/> is k-blocked only
    /// when it has more than MR rows, so such a product — the input projection (batch·time rows) when
    /// <paramref name="inputSize"/> is, the generic step's h·U (batch rows) when <paramref name="recurrentK"/> is — must
    /// have more than MR rows in both parts or in neither.
    /// </summary>
    public static int Choose(int batch, int time, int inputSize, int recurrentK = 0)
    {
        int half = batch / 2;
        for (int d = 0; d <= half; d++)
        {
            foreach (int b0 in (ReadOnlySpan<int>)[half + d, half - d])
            {
                if (b0 < 2 || batch - b0 < 2) continue;
                if (inputSize > GemmLayout.KC && !SameBlocking((long)b0 * time, (long)batch * time)) continue;
                if (recurrentK > GemmLayout.KC && !SameBlocking(b0, batch)) continue;
                return b0;
            }
        }
        return 0;
    }

    /// <summary>Batch rows per chunk that a large batch split is cut into (two register tiles of the step kernels).</summary>
    public const int ChunkRows = 12;

    /// <summary>
    /// How many chunks a batch split at <paramref name="split"/> is cut into, for the two threads to claim one at a time:
    /// two (the rows either side of the split) unless the batch holds four chunks of <see cref="ChunkRows"/> or more and
    /// the input is at most one k-block wide (so any cut keeps every product's blocking), then an even number of chunks
    /// of ChunkRows rows or more (two threads that both start at once end together), so that a helper that starts late
    /// (a vCPU the host has not run for milliseconds) still takes the chunks left, where with two halves the caller
    /// would run both.
    /// </summary>
    public static int Chunks(int batch, int split, int inputSize) =>
        split > 0 && inputSize <= GemmLayout.KC && batch >= 4 * ChunkRows ? batch / (2 * ChunkRows) * 2 : 2;

    /// <summary>First row of chunk <paramref name="i"/> (0..chunks; chunk <paramref name="chunks"/> starts at the batch's end).</summary>
    public static int ChunkStart(int i, int chunks, int batch, int split) =>
        chunks == 2 ? (i == 0 ? 0 : i == 1 ? split : batch) : (int)((long)i * batch / chunks);

    /// <summary>
    /// Claims the next chunk of a batch split (two threads may claim at once: each chunk goes to one): false when every
    /// chunk is taken, else its rows [<paramref name="first"/>, first + <paramref name="count"/>).
    /// </summary>
    public static bool TryClaim(ref int next, int chunks, int batch, int split, out int first, out int count)
    {
        first = count = 0;
        if (!PairWorker.TryClaim(ref next, chunks, out int i)) return false;
        first = ChunkStart(i, chunks, batch, split);
        count = ChunkStart(i + 1, chunks, batch, split) - first;
        return true;
    }

    /// <summary>Whether products of rows [0, first) and [first, total) are k-blocked exactly when the whole product is.</summary>
    private static bool SameBlocking(long first, long total) =>
        total <= GemmLayout.MR || (first > GemmLayout.MR && total - first > GemmLayout.MR);
}
