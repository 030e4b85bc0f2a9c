using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// A fused LSTM sequence split over two threads (<see cref="PairWorker"/>): each half computes half of the input
/// projection rows, then half of the unit blocks of every step, the halves meeting at a barrier after the projection
/// and after each step. Owned by one <see cref="RnnWorkspace{T}"/> (so by one caller at a time); the pointers are
/// valid only while <see cref="LstmCell{T}.TryRunSequence"/> keeps the buffers pinned.
/// </summary>
internal sealed unsafe class LstmSequenceJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PairBarrier _barrier = new();
    public LstmPacked<T> Weights = null!;
    public Activation Activation, RecurrentActivation;
    public int InputSize, Batch, Time;
    /// <summary>0: split unit blocks with a barrier per step; else part 0 runs batch rows [0, BatchSplit), part 1 the rest, independently.</summary>
    public int BatchSplit;
    public bool GoBackwards;
    public T* Inputs, Projection, HA, HB, C, Sequence;

    /// <summary>Runs through the pair worker (serially when it is busy).</summary>
    public void Execute()
    {
        _barrier.Reset();
        PairWorker.Run(this, out _);
    }

    public void Run(int part)
    {
        var w = Weights;
        int rows = Batch * Time, pw = w.ProjectionWidth;
        if (BatchSplit > 0)
        {
            // batch rows are independent through the whole sequence: no barrier; the split keeps every row on the same
            // kernels as the serial run (ChooseBatchSplit), so the fallback (both parts here) is the serial run itself
            if (part < 0) SequenceRows(0, Batch);
            else if (part == 0) SequenceRows(0, BatchSplit);
            else SequenceRows(BatchSplit, Batch - BatchSplit);
            return;
        }
        if (part < 0)
        {
            Project(0, rows);
            LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 0, w.Blocks, null, 0, 0);
            return;
        }
        try
        {
            // each part projects the columns of its own unit blocks (all rows), which are all its steps read: no barrier
            // before the first step, and each core reads only its half of the kernel
            int split = w.Blocks / 2;
            if (part == 0)
            {
                ProjectBlocks(0, split);
                LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 0, split, _barrier, 0, 0);
            }
            else
            {
                ProjectBlocks(split, w.Blocks);
                LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, split, w.Blocks, _barrier, 1, 0);
            }
        }
        catch
        {
            _barrier.Abandon();
            throw;
        }

        void SequenceRows(int first, int count)
        {
            int up = w.PaddedUnits;
            Project(first * Time, count * Time);
            LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, count, Time, GoBackwards, Projection + (long)first * Time * pw,
                HA + (long)first * up, HB + (long)first * up, C + (long)first * up, Sequence == null ? null : Sequence + (long)first * Time * w.Units,
                0, w.Blocks, null, 0, 0);
        }

        void ProjectBlocks(int firstBlock, int endBlock)
        {
            // a block is 4·lanes interleaved columns: a whole number of packed panels
            int perBlock = 4 * w.Lanes / w.Kernel.PanelWidth;
            var x = new ReadOnlySpan<T>(Inputs, rows * InputSize);
            var y = new Span<T>(Projection, rows * pw);
            Gemm.MultiplyPanels(rows, x, InputSize, w.Kernel, firstBlock * perBlock, endBlock * perBlock, y, pw, w.Bias);
        }

        void Project(int first, int count)
        {
            if (count == 0) return;
            var x = new ReadOnlySpan<T>(Inputs + (long)first * InputSize, count * InputSize);
            var y = new Span<T>(Projection + (long)first * pw, count * pw);
            Gemm.Multiply(count, x, InputSize, w.Kernel, y, pw, w.Bias);
        }
    }

    /// <summary>
    /// A batch row to split at so that both parts run every row through the same kernels as the serial run (the step
    /// kernel's and the GEMM's one-row tiles sum in another order; GEMM k-blocking needs more than MR rows), as near
    /// the middle as possible; 0 when there is none.
    /// </summary>
    public static int ChooseBatchSplit(int batch, int time, int inputSize)
    {
        int half = batch / 2;
        for (int d = 0; d <= half; d++)
        {
            foreach (int b0 in (ReadOnlySpan<int>)[half + d, half - d])
            {
                if (b0 < 1 || b0 >= batch) continue;
                if (!SameTiles(b0, batch, LstmStepKernel.TileRows)) continue;
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
