using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// A GRU or SimpleRNN sequence split by batch rows over two threads (<see cref="PairWorker"/>): batch rows never meet
/// in these cells (per-row products, element-wise gates, per-row masks), so each half runs the whole driver on its
/// rows with its own workspace and no barrier. The split point keeps every row on the same GEMM tiles as the serial
/// run (<see cref="ChooseSplit"/>), so results are bit-identical to it, and the fallback when the worker is busy is
/// the serial run. Owned by one <see cref="RnnWorkspace{T}"/> (one caller at a time); the pointers are valid only
/// while <see cref="RnnDriver.Run{T}"/> keeps the buffers pinned.
/// </summary>
internal sealed unsafe class RnnBatchSplitJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Multiply-adds of the recurrent products over the whole sequence below which one thread does it all.</summary>
    internal static long MinimumWork = 2_000_000;

    private readonly RnnWorkspace<T> _first = new(), _second = new();
    public IRecurrentCell<T>? Cell;
    public int Batch, Time, Split, StateSize;
    public bool GoBackwards, ZeroOutputForMask, HasMask, HasSequence, HasCarried;
    public T* Inputs, States, Sequence, Last, Carried;
    public bool* Mask;

    /// <summary>Whether <paramref name="cell"/> qualifies: a GRU or SimpleRNN (one state, rows independent).</summary>
    public static bool Supports(IRecurrentCell<T> cell) => cell is GruCell<T> or SimpleRnnCell<T> && cell.StateSizes.Length == 1;

    public void Run(int part)
    {
        if (part < 0) Rows(0, Batch, _first);
        else if (part == 0) Rows(0, Split, _first);
        else Rows(Split, Batch - Split, _second);
    }

    private void Rows(int first, int count, RnnWorkspace<T> workspace)
    {
        var cell = Cell!;
        int inSize = cell.InputSize, outSize = cell.OutputSize;
        var inputs = new ReadOnlySpan<T>(Inputs + (long)first * Time * inSize, count * Time * inSize);
        var mask = HasMask ? new ReadOnlySpan<bool>(Mask + (long)first * Time, count * Time) : default;
        var states = new Span<T>(States + (long)first * StateSize, count * StateSize);
        var sequence = HasSequence ? new Span<T>(Sequence + (long)first * Time * outSize, count * Time * outSize) : default;
        var last = new Span<T>(Last + (long)first * outSize, count * outSize);
        var carried = HasCarried ? new Span<T>(Carried + (long)first * outSize, count * outSize) : default;
        RnnDriver.RunSteps(cell, inputs, count, Time, mask, GoBackwards, ZeroOutputForMask, states, sequence, last, workspace, carried);
    }

    /// <summary>
    /// A batch row to split at such that both halves put every row of the step products (m = batch rows, k = units) and
    /// of the time-major input projection on the same GEMM kernels as the serial run (<see cref="BatchSplitPoint.Choose"/>);
    /// 0 for none.
    /// </summary>
    public static int ChooseSplit(int batch, int time, int inputSize, int units) => BatchSplitPoint.Choose(batch, time, inputSize, units);
}
