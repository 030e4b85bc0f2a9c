using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// A fused GRU / SimpleRNN sequence (<see cref="IFusedSequence{T}"/>) split over two threads (<see cref="PairWorker"/>),
/// either by batch rows (each half runs the whole sequence on its rows, no barrier) or by unit blocks (each half
/// computes part of the input projection rows, then half of the blocks of every step, meeting at a barrier after the
/// projection and after each step). Both splits keep every value on the same kernels as the serial run, so the
/// results are bit-identical to it, and the fallback when the worker is busy is the serial run. Owned by one
/// <see cref="RnnWorkspace{T}"/> (one caller at a time); the pointers are valid only while
/// <see cref="FusedSequenceRunner"/> keeps the buffers pinned.
/// </summary>
internal sealed unsafe class FusedSequenceJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PairBarrier _barrier = new();
    public IFusedSequence<T> Weights = null!;
    public int InputSize, Batch, Time;
    /// <summary>0: split unit blocks with a barrier per step; else part 0 runs batch rows [0, BatchSplit), part 1 the rest.</summary>
    public int BatchSplit;
    public bool GoBackwards;
    public T* Inputs, Projection, HA, HB, Sequence;

    /// <summary>Runs through the pair worker (serially when it is busy).</summary>
    public void Execute()
    {
        _barrier.Reset();
        PairWorker.Run(this, out _);
    }

    public void Run(int part)
    {
        var w = Weights;
        int rows = Batch * Time;
        if (BatchSplit > 0)
        {
            if (part < 0) Rows(0, Batch);
            else if (part == 0) Rows(0, BatchSplit);
            else Rows(BatchSplit, Batch - BatchSplit);
            return;
        }
        if (part < 0)
        {
            Project(0, rows);
            w.SequencePart(Batch, Time, GoBackwards, Projection, HA, HB, Sequence, 0, w.Blocks, null, 0, 0);
            return;
        }
        try
        {
            int r0 = ProjectionSplit(rows, InputSize), split = w.Blocks / 2;
            if (part == 0) Project(0, r0);
            else Project(r0, rows - r0);
            _barrier.Arrive(part, 0);
            if (part == 0) w.SequencePart(Batch, Time, GoBackwards, Projection, HA, HB, Sequence, 0, split, _barrier, 0, 1);
            else w.SequencePart(Batch, Time, GoBackwards, Projection, HA, HB, Sequence, split, w.Blocks, _barrier, 1, 1);
        }
        catch
        {
            _barrier.Abandon();
            throw;
        }
    }

    private void Rows(int first, int count)
    {
        var w = Weights;
        int up = w.PaddedUnits;
        Project(first * Time, count * Time);
        w.SequencePart(count, Time, GoBackwards, Projection + (long)first * Time * w.ProjectionWidth, HA + (long)first * up, HB + (long)first * up,
            Sequence == null ? null : Sequence + (long)first * Time * w.Units, 0, w.Blocks, null, 0, 0);
    }

    private void Project(int first, int count)
    {
        if (count == 0) return;
        var w = Weights;
        int pw = w.ProjectionWidth;
        var x = new ReadOnlySpan<T>(Inputs + (long)first * InputSize, count * InputSize);
        var y = new Span<T>(Projection + (long)first * pw, count * pw);
        Gemm.Multiply(count, x, InputSize, w.Kernel, y, pw, w.Bias);
    }

    /// <summary>
    /// Where to split the projection GEMM's rows: near the middle, on a multiple of the GEMM's MR so both halves tile
    /// exactly like the serial run (and, when the input is wider than one k-block, both with more than MR rows, so
    /// both are k-blocked like it); 0 (all on one side) when there is no such point.
    /// </summary>
    public static int ProjectionSplit(int rows, int inputSize)
    {
        int mr = GemmLayout.MR, r0 = rows / 2 / mr * mr;
        if (inputSize > GemmLayout.KC && (r0 <= mr || rows - r0 <= mr)) return 0;
        return r0;
    }

    /// <summary>
    /// A batch row to split at so that both parts run every row through the same kernels as the serial run (the step
    /// kernel's and the projection GEMM's chunks of MR rows, where a chunk of one row sums in another order; GEMM
    /// k-blocking needs more than MR rows), as near the middle as possible; 0 when there is none.
    /// </summary>
    public static int ChooseBatchSplit(int batch, int time, int inputSize)
    {
        int half = batch / 2;
        for (int d = 0; d <= half; d++)
        {
            foreach (int b0 in (ReadOnlySpan<int>)[half + d, half - d])
            {
                if (b0 < 1 || b0 >= batch) continue;
                if (!SameTiles(b0, batch, GemmLayout.MR)) continue;
                long r0 = (long)b0 * time, rows = (long)batch * time;
                if (!SameTiles(r0, rows, GemmLayout.MR)) continue;
                if (inputSize > GemmLayout.KC && (r0 <= GemmLayout.MR || rows - r0 <= GemmLayout.MR)) continue;
                return b0;
            }
        }
        return 0;
    }

    /// <summary>Whether rows [0, first) and [first, total), each tiled from its start, put a one-row tile exactly where the serial tiling does.</summary>
    private static bool SameTiles(long first, long total, int tile) =>
        first % tile != 1 && ((total - first) % tile == 1) == (total % tile == 1);
}
