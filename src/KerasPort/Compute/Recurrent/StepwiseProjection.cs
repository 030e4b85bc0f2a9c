using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// The input projection (x·W + b) of a batch of recurrent rows (LSTM, GRU, SimpleRNN) computed one time step at a time,
/// as the step loop reaches the step (<see cref="IStepGate"/>), into a buffer of one step's rows that stays in the core's
/// cache, instead of for the whole sequence first (megabytes for a batch, written out and read back from L3). Each
/// step's rows are one product of two rows or more, so every row sums exactly as in one product over all rows and steps
/// (<see cref="Gemm"/>, with inputs up to one k-block). Reused by one thread at a time (a serial run, or one part of a
/// batch split); the pointers are valid only while the scope <see cref="Start"/> returns is open.
/// </summary>
internal sealed unsafe class StepwiseProjection<T> : IStepGate where T : unmanaged, IFloatingPointIeee754<T>
{
    private PackedMatrix<T>? _kernel;
    private T[] _bias = [];
    private T* _inputs, _step;
    private int _rows, _time, _inputSize;
    private bool _goBackwards;

    /// <summary>Bytes of a whole-sequence projection above which it is computed step by step (a core's L2: 1 MiB on Zen 4, 512 KiB on Zen 3).</summary>
    internal const long MinimumSequenceBytes = 1024 * 1024;

    /// <summary>
    /// Multiply-adds of one step's projection below which it is computed for the whole sequence anyway: a product per step
    /// costs a call and the micro-kernel's set-up, which small steps do not pay back (LSTM(32) over 8 features, 4 rows a
    /// thread: 100 → 114 µs step by step; 32 rows: even).
    /// </summary>
    internal const long MinimumStepWork = 64 * 1024;

    /// <summary>
    /// Whether <paramref name="rows"/> rows of <paramref name="time"/> steps are projected this way: two rows or more (a
    /// product of one row sums in two chains), inputs up to one k-block (a product of more than MR rows is k-blocked, one
    /// of a few not), a whole-sequence projection larger than L2 and steps large enough (see the two thresholds).
    /// </summary>
    public static bool Applies(int rows, int time, int inputSize, int projectionWidth) =>
        rows >= 2 && inputSize <= GemmLayout.KC
        && (long)rows * time * projectionWidth * sizeof(T) > MinimumSequenceBytes
        && (long)rows * inputSize * projectionWidth >= MinimumStepWork;

    /// <summary>
    /// Elements of the projection buffer used by runs of the batch rows [0, <paramref name="split"/>) and
    /// [<paramref name="split"/>, <paramref name="batch"/>), or, when <paramref name="chunked"/> (the LSTM job), of the
    /// chunks of such a split (<see cref="BatchSplitPoint.Chunks"/>), as sequences of their own (split 0: the whole batch
    /// as one), and by the serial run of the whole batch (a busy worker's fallback): rows projected step by step hold one
    /// step at first · projectionWidth, any others their whole sequence at first · time · projectionWidth.
    /// </summary>
    public static int BufferLength(int batch, int split, int time, int inputSize, int projectionWidth, bool chunked = false)
    {
        long End(int first, int count) => (long)(first + count) * projectionWidth * (Applies(count, time, inputSize, projectionWidth) ? 1 : time);
        long n = End(0, batch);
        if (split > 0)
        {
            int chunks = chunked ? BatchSplitPoint.Chunks(batch, split, inputSize) : 2; // two: the rows either side of the split
            for (int i = 0; i < chunks; i++)
            {
                int first = BatchSplitPoint.ChunkStart(i, chunks, batch, split);
                n = Math.Max(n, End(first, BatchSplitPoint.ChunkStart(i + 1, chunks, batch, split) - first));
            }
        }
        return checked((int)n);
    }

    /// <summary>
    /// Throws unless a projection buffer of <paramref name="length"/> elements holds <paramref name="end"/> (the jobs write
    /// it through pointers: a buffer sized for another way of running would otherwise be written past its end).
    /// </summary>
    public static void Require(long length, long end, string layer)
    {
        if (end > length)
            throw new InvalidOperationException($"the {layer} projection buffer holds {length} elements; this run needs {end}.");
    }

    /// <summary>
    /// Prepares a sequence of <paramref name="rows"/> batch-first rows of <paramref name="time"/> steps from
    /// <paramref name="inputs"/> for the packed (gate-interleaved) <paramref name="kernel"/> and <paramref name="bias"/>,
    /// each step's projection rows going to <paramref name="stepProjection"/> (rows × kernel.Columns). Disposing the
    /// returned scope drops the pointers.
    /// </summary>
    public Scope Start(PackedMatrix<T> kernel, T[] bias, T* inputs, int inputSize, int rows, int time, bool goBackwards, T* stepProjection)
    {
        _kernel = kernel;
        _bias = bias;
        _inputs = inputs;
        _inputSize = inputSize;
        _rows = rows;
        _time = time;
        _goBackwards = goBackwards;
        _step = stepProjection;
        return new Scope(this);
    }

    /// <summary>A started sequence: <c>using (steps.Start(...)) { ... }</c> clears the pointers when the steps are done.</summary>
    public readonly ref struct Scope(StepwiseProjection<T> owner)
    {
        /// <summary>Drops the owner's pointers.</summary>
        public void Dispose() => owner.Clear();
    }

    /// <summary>Writes the projection rows of step <paramref name="step"/> (time step t = step, or time − 1 − step going backwards).</summary>
    public void WaitForStep(int step)
    {
        var kernel = _kernel!;
        int pw = kernel.Columns, rows = _rows, time = _time, k = _inputSize;
        int t = _goBackwards ? time - 1 - step : step;
        Gemm.Multiply(rows, new ReadOnlySpan<T>(_inputs + (long)t * k, ((rows - 1) * time + 1) * k), time * k, kernel,
            new Span<T>(_step, rows * pw), pw, _bias);
    }

    /// <summary>Drops the pointers.</summary>
    private void Clear()
    {
        _kernel = null;
        _bias = [];
        _inputs = _step = null;
    }
}
