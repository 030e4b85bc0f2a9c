using System.Diagnostics;
using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// A fused LSTM sequence split over two threads (<see cref="PairWorker"/>), either by batch rows (part 0 the rows
/// [0, BatchSplit), part 1 the rest, each a whole sequence with its own projection rows, independently) or by unit
/// blocks through <see cref="PairPhases"/>: phase s is step s, item 0 the blocks [0, Blocks/2) and item 1 the rest; in
/// phase 0 each item first projects its own blocks' columns (all rows: all that its steps read, so there is no
/// hand-over before the first step and each core reads half of the kernel), or, where that whole-sequence projection
/// would not stay in cache (<see cref="ProjectsSteps"/>), every item projects its columns of its step's rows. The caller leads: it does item 0 of every
/// step and item 1 of every step the helper has not claimed, so a helper that starts late, is descheduled between
/// steps or never comes does not hold it up (only one descheduled while holding a claim does: <see cref="PairContention"/>
/// then backs off). Every item runs on the same kernels as the serial run, so the results are bit-identical to it
/// whoever does what. Owned by one <see cref="RnnWorkspace{T}"/> (so by one caller at a time); the pointers are valid
/// only while <see cref="LstmCell{T}.TryRunSequence"/> keeps the buffers pinned.
/// </summary>
internal sealed unsafe class LstmSequenceJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The leader's grace before it checks whether the helper claimed a step (<see cref="PairPhases"/>): at the default,
    /// LSTM(128) steps (about a microsecond a half) often outlast it by a little, and the claim's cache line then
    /// ping-pongs every step (W2, 100 steps of one row: about 5% slower than a barrier; at 400, even).
    /// </summary>
    internal const int GraceSpins = 400;

    private readonly PairPhases _phases = new(GraceSpins);
    private readonly StepwiseProjection<T> _steps0 = new(), _steps1 = new(); // parts 0 (or the whole batch) and 1
    private bool _led; // the caller ran part 0 (not both parts serially)
    public LstmPacked<T> Weights = null!;
    public Activation Activation, RecurrentActivation;
    public int InputSize, Batch, Time;
    /// <summary>
    /// 0: split unit blocks step by step; else the batch rows are cut at BatchSplit, or into more chunks for a large batch
    /// (<see cref="BatchSplitPoint.Chunks"/>), each a sequence of its own, which the two parts claim one at a time.
    /// </summary>
    public int BatchSplit;
    private int _chunks, _nextChunk; // a batch split's chunks, and the next one to claim
    public bool GoBackwards;
    public T* Inputs, Projection, HA, HB, C, Sequence;
    /// <summary>Elements at <see cref="Projection"/>.</summary>
    public long ProjectionLength;

    /// <summary>
    /// A unit split whose items project their columns of each step's rows (the Projection buffer then holds one step's
    /// rows): where the whole-sequence projection would not stay in cache.
    /// </summary>
    internal bool ProjectsSteps => BatchSplit == 0 && StepwiseProjection<T>.Applies(Batch, Time, InputSize, Weights.ProjectionWidth);

    /// <summary>Resets the phases for a run (<see cref="Execute"/> does it; tests that drive the parts themselves call it first).</summary>
    public void Prepare()
    {
        PrepareChunks();
        _phases.Reset(Time);
        _led = false;
        if (ProjectsSteps) StepwiseProjection<T>.Require(ProjectionLength, (long)Batch * Weights.ProjectionWidth, "LSTM");
    }

    /// <summary>Runs through the pair worker (serially when it is busy); a unit split reports a stalled helper to <see cref="PairContention"/>.</summary>
    public void Execute()
    {
        if (BatchSplit > 0)
        {
            // both parts claim chunks of rows, whole sequences each, until none is left: the worker's chunk is waited for
            PrepareChunks();
            PairWorker.Run(this, out _);
            return;
        }
        Prepare();
        // one clock read per run unless a wait was long (a one-step run takes a few microseconds, a read tens of
        // nanoseconds); the waits themselves are timed only when long
        long start = Stopwatch.GetTimestamp();
        long endWait = PairWorker.RunLed(this);
        if (!_led) return;
        long stall = Math.Max(_phases.LongestWait, endWait);
        if (stall == 0)
        {
            PairContention.Report(0, 0); // a clean run
            return;
        }
        // a wait much longer than the leader's own time per step means the helper lost its core mid-item (or between
        // taking the job and giving it back)
        long total = Stopwatch.GetTimestamp() - start;
        long limit = Stopwatch.Frequency / 10_000 + 4 * Math.Max(0, total - stall) / Time;
        PairContention.Report(stall, limit);
    }

    public void Run(int part)
    {
        if (BatchSplit > 0)
        {
            // batch rows are independent through the whole sequence: no hand-over; every chunk keeps its rows on the same
            // kernels as the serial run (ChooseBatchSplit, BatchSplitPoint.Chunks), so the fallback (both parts here) is
            // the serial run itself
            if (part < 0) SequenceRows(0, Batch, _steps0);
            else ClaimChunks(part == 0 ? _steps0 : _steps1);
        }
        else if (part < 0)
        {
            SequenceRows(0, Batch, _steps0);
        }
        else if (part == 0)
        {
            Lead();
        }
        else
        {
            Help();
        }
    }

    private void PrepareChunks()
    {
        _chunks = BatchSplit > 0 ? BatchSplitPoint.Chunks(Batch, BatchSplit, InputSize) : 0;
        _nextChunk = 0;
    }

    /// <summary>Runs chunks of the batch split, one at a time, until every chunk is taken (by this part or the other).</summary>
    private void ClaimChunks(StepwiseProjection<T> steps)
    {
        while (BatchSplitPoint.TryClaim(ref _nextChunk, _chunks, Batch, BatchSplit, out int first, out int count)) SequenceRows(first, count, steps);
    }

    private int Split => Weights.Blocks / 2;

    private void Lead()
    {
        _led = true;
        try
        {
            _phases.Begin(0);
            First(0, Split);
            if (_phases.LeaderTakes(0)) First(Split, Weights.Blocks);
            Steps(new StepSharing(_phases, Split, Helper: false, PhaseOffset: 0, HelperDidPrevious: false));
        }
        finally
        {
            _phases.Finish();
        }
    }

    private void Help()
    {
        try
        {
            bool did = false;
            if (_phases.HelperClaimsFirst())
            {
                First(Split, Weights.Blocks); // phase 0 has no inputs to wait for
                _phases.Done(0);
                did = true;
            }
            // the kernel claims the steps from 1 on (or catches up with the leader)
            Steps(new StepSharing(_phases, Split, Helper: true, PhaseOffset: 0, HelperDidPrevious: did));
        }
        catch
        {
            _phases.Fail();
            throw;
        }
    }

    /// <summary>
    /// Phase 0's item for blocks [firstBlock, endBlock): their projection columns (all rows), then their step 0; or, when
    /// a whole-sequence projection would not stay in cache (<see cref="StepwiseProjection{T}.Applies"/>), each item of
    /// every step projects its columns of that step's rows (<see cref="LstmStepKernel.SharedSteps{T}"/>).
    /// </summary>
    private void First(int firstBlock, int endBlock)
    {
        var w = Weights;
        if (ProjectsSteps)
        {
            LstmStepKernel.SharedSteps(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 0, 1, firstBlock, endBlock, null, Inputs, InputSize);
            return;
        }
        int rows = Batch * Time, pw = w.ProjectionWidth;
        StepwiseProjection<T>.Require(ProjectionLength, (long)rows * pw, "LSTM");
        // a block is 4·lanes interleaved columns: a whole number of packed panels
        int perBlock = 4 * w.Lanes / w.Kernel.PanelWidth;
        var x = new ReadOnlySpan<T>(Inputs, rows * InputSize);
        var y = new Span<T>(Projection, rows * pw);
        Gemm.MultiplyPanels(rows, x, InputSize, w.Kernel, firstBlock * perBlock, endBlock * perBlock, y, pw, w.Bias);
        LstmStepKernel.SharedSteps(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 0, 1, firstBlock, endBlock, null);
    }

    /// <summary>Steps 1.. shared as phases 1.. (nothing when the sequence has one step).</summary>
    private void Steps(StepSharing sharing)
    {
        if (Time < 2) return;
        var w = Weights;
        LstmStepKernel.SharedSteps(w, Activation, RecurrentActivation, Batch, Time, GoBackwards, Projection, HA, HB, C, Sequence, 1, Time, 0, w.Blocks, sharing,
            ProjectsSteps ? Inputs : null, InputSize);
    }

    /// <summary>The whole batch on this thread: the serial run of a batch projected step by step (<see cref="StepwiseProjection{T}"/>).</summary>
    internal void RunAllRows() => SequenceRows(0, Batch, _steps0);

    private void SequenceRows(int first, int count, StepwiseProjection<T> steps)
    {
        if (count == 0) return;
        var w = Weights;
        int up = w.PaddedUnits, pw = w.ProjectionWidth;
        T* x = Inputs + (long)first * Time * InputSize, hA = HA + (long)first * up, hB = HB + (long)first * up, c = C + (long)first * up;
        T* sequence = Sequence == null ? null : Sequence + (long)first * Time * w.Units;
        if (StepwiseProjection<T>.Applies(count, Time, InputSize, pw))
        {
            // this part's rows of one step at a time, in this part's rows of the projection buffer
            StepwiseProjection<T>.Require(ProjectionLength, (long)(first + count) * pw, "LSTM");
            T* step = Projection + (long)first * pw;
            using (steps.Start(w.Kernel, w.Bias, x, InputSize, count, Time, GoBackwards, step))
                LstmStepKernel.SequenceStepwise(w, Activation, RecurrentActivation, count, Time, GoBackwards, step, hA, hB, c, sequence, steps);
            return;
        }
        StepwiseProjection<T>.Require(ProjectionLength, (long)(first + count) * Time * pw, "LSTM");
        T* y = Projection + (long)first * Time * pw;
        Gemm.Multiply(count * Time, new ReadOnlySpan<T>(x, count * Time * InputSize), InputSize, w.Kernel, new Span<T>(y, count * Time * pw), pw, w.Bias);
        LstmStepKernel.SequencePart(w, Activation, RecurrentActivation, count, Time, GoBackwards, y, hA, hB, c, sequence, 0, w.Blocks);
    }

    /// <summary>A batch row to split at without changing any row's arithmetic (<see cref="BatchSplitPoint.Choose"/>); 0 when there is none.</summary>
    public static int ChooseBatchSplit(int batch, int time, int inputSize) => BatchSplitPoint.Choose(batch, time, inputSize);
}
