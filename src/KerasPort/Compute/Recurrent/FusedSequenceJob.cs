using System.Diagnostics;
using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// A fused GRU / SimpleRNN sequence (<see cref="IFusedSequence{T}"/>) shared with <see cref="PairWorker"/>'s thread
/// through <see cref="PairPhases"/>, either by batch rows (one phase: the rows [0, BatchSplit) and the rest, each a whole
/// sequence) or by unit blocks (phase 0: the input projection, rows halved on a GEMM tile boundary; phase 1 + s: step s,
/// blocks halved; or, where the whole-sequence projection would not stay in cache, phase 0 empty and each item of step s
/// projecting its blocks' columns of the step's rows, the blocks split on a panel boundary). The caller leads: it does every item the helper has not claimed, so a helper that starts late or
/// falls behind never holds it up (only one descheduled while holding a claim does: <see cref="PairContention"/> then
/// backs off). Every item runs on the same kernels as the serial run, so the results are
/// bit-identical to it whoever does what (and the fallback when the worker is busy is the serial run). Owned by one
/// <see cref="RnnWorkspace{T}"/> (one caller at a time); the pointers are valid only while
/// <see cref="FusedSequenceRunner"/> keeps the buffers pinned.
/// </summary>
internal sealed unsafe class FusedSequenceJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PairPhases _phases = new();
    private readonly StepwiseProjection<T> _steps0 = new(), _steps1 = new(); // the first batch rows (or all of them), the others
    private long _leadStart, _leadEnd, _longestWait; // Stopwatch ticks of the leader's run (0 when it did not lead)
    private bool _projectSteps;
    private int _split; // the unit split's first block of item 1
    public IFusedSequence<T> Weights = null!;
    public int InputSize, Batch, Time;
    /// <summary>0: split unit blocks step by step; else the batch rows [0, BatchSplit) and [BatchSplit, Batch).</summary>
    public int BatchSplit;
    public bool GoBackwards;
    public T* Inputs, Projection, HA, HB, Sequence;
    /// <summary>Elements at <see cref="Projection"/>.</summary>
    public long ProjectionLength;

    /// <summary>Resets the phases for a run (<see cref="Execute"/> does it; tests that drive the parts themselves call it first).</summary>
    public void Prepare()
    {
        _phases.Reset(Phases);
        _leadStart = _leadEnd = _longestWait = 0;
        _projectSteps = BatchSplit == 0 && ProjectsStepsOf(Weights, Batch, Time, InputSize);
        _split = _projectSteps ? FusedSequenceKernel.StepColumnsSplit(Weights) : Weights.Blocks / 2;
        if (_projectSteps) StepwiseProjection<T>.Require(ProjectionLength, (long)Batch * Weights.ProjectionWidth, "GRU / SimpleRNN");
    }

    /// <summary>
    /// Whether a unit split of <paramref name="batch"/> rows has each step's items project their columns of the step's
    /// rows (a buffer of one step's rows; phase 0 then projects nothing): where a whole-sequence projection would not
    /// stay in cache (<see cref="StepwiseProjection{T}.Applies"/>) and the blocks can be split on a panel boundary.
    /// </summary>
    public static bool ProjectsStepsOf(IFusedSequence<T> w, int batch, int time, int inputSize) =>
        StepwiseProjection<T>.Applies(batch, time, inputSize, w.ProjectionWidth) && FusedSequenceKernel.StepColumnsSplit(w) > 0;

    /// <summary>This run's <see cref="ProjectsStepsOf"/> (set by <see cref="Prepare"/>).</summary>
    internal bool ProjectsSteps => _projectSteps;

    /// <summary>Runs through the pair worker (serially when it is busy), reporting a stalled helper to <see cref="PairContention"/>.</summary>
    public void Execute()
    {
        Prepare();
        PairWorker.RunLed(this);
        if (_leadEnd != 0)
        {
            // a wait much longer than the leader's own time per phase means the helper lost its core mid-item
            long end = Stopwatch.GetTimestamp();
            long limit = Stopwatch.Frequency / 10_000 + 4 * (_leadEnd - _leadStart) / Phases;
            PairContention.Report(Math.Max(_longestWait, end - _leadEnd), limit);
        }
    }

    public void Run(int part)
    {
        if (part < 0) Serial();
        else if (part == 0) Lead();
        else Help();
    }

    private int Phases => BatchSplit > 0 ? 1 : 1 + Time;

    private void Serial() => Rows(0, Batch, _steps0);

    private void Lead()
    {
        _leadStart = Stopwatch.GetTimestamp();
        try
        {
            // phase 0: the batch rows (batch split) or the input projection; phases 1..time: the steps (unit split)
            _phases.Begin(0);
            Item0();
            if (_phases.LeaderTakes(0)) Item1();
            if (BatchSplit == 0)
            {
                var w = Weights;
                w.Steps(Batch, Time, GoBackwards, Projection, HA, HB, Sequence, 0, Time, 0, w.Blocks,
                    new StepSharing(_phases, _split, Helper: false, PhaseOffset: 1, HelperDidPrevious: false), null, StepInputs, InputSize);
            }
        }
        finally
        {
            _phases.Finish();
            _leadEnd = Stopwatch.GetTimestamp();
            _longestWait = _phases.LongestWait;
        }
    }

    private void Help()
    {
        try
        {
            bool did = false;
            if (_phases.HelperClaimsFirst())
            {
                Item1(); // phase 0 has no inputs to wait for
                _phases.Done(0);
                did = true;
            }
            if (BatchSplit == 0)
            {
                // the kernel claims the steps from phase 1 on (or catches up with the leader)
                var w = Weights;
                w.Steps(Batch, Time, GoBackwards, Projection, HA, HB, Sequence, 0, Time, 0, w.Blocks,
                    new StepSharing(_phases, _split, Helper: true, PhaseOffset: 1, HelperDidPrevious: did), null, StepInputs, InputSize);
            }
        }
        catch
        {
            _phases.Fail();
            throw;
        }
    }

    /// <summary>The inputs the unit split's items project their columns from, each step; null when phase 0 projects the whole sequence.</summary>
    private T* StepInputs => _projectSteps ? Inputs : null;

    /// <summary>Phase 0, item 0: the first batch rows, or the first projection rows (none when each step projects its own).</summary>
    private void Item0()
    {
        if (BatchSplit > 0) Rows(0, BatchSplit, _steps0);
        else if (!_projectSteps) Project(0, ProjectionSplit(Batch * Time, InputSize));
    }

    /// <summary>Phase 0, item 1: the other batch rows, or the other projection rows (none when each step projects its own).</summary>
    private void Item1()
    {
        if (BatchSplit > 0)
        {
            Rows(BatchSplit, Batch - BatchSplit, _steps1);
        }
        else if (!_projectSteps)
        {
            int rows = Batch * Time, r0 = ProjectionSplit(rows, InputSize);
            Project(r0, rows - r0);
        }
    }

    /// <summary>
    /// Batch rows [first, first + count) through the whole sequence: their projection step by step as the steps reach it
    /// (<see cref="StepwiseProjection{T}"/>, in these rows of the projection buffer) when it applies, else all of it first.
    /// </summary>
    private void Rows(int first, int count, StepwiseProjection<T> steps)
    {
        var w = Weights;
        int up = w.PaddedUnits, pw = w.ProjectionWidth;
        T* hA = HA + (long)first * up, hB = HB + (long)first * up, sequence = Sequence == null ? null : Sequence + (long)first * Time * w.Units;
        if (StepwiseProjection<T>.Applies(count, Time, InputSize, pw))
        {
            StepwiseProjection<T>.Require(ProjectionLength, (long)(first + count) * pw, "GRU / SimpleRNN");
            T* step = Projection + (long)first * pw;
            using (steps.Start(w.Kernel, w.Bias, Inputs + (long)first * Time * InputSize, InputSize, count, Time, GoBackwards, step))
                w.Steps(count, Time, GoBackwards, step, hA, hB, sequence, 0, Time, 0, w.Blocks, null, steps);
            return;
        }
        Project(first * Time, count * Time);
        w.Steps(count, Time, GoBackwards, Projection + (long)first * Time * pw, hA, hB, sequence, 0, Time, 0, w.Blocks);
    }

    private void Project(int first, int count)
    {
        if (count == 0) return;
        var w = Weights;
        int pw = w.ProjectionWidth;
        StepwiseProjection<T>.Require(ProjectionLength, (long)(first + count) * pw, "GRU / SimpleRNN");
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

    /// <summary>A batch row to split at without changing any row's arithmetic (<see cref="BatchSplitPoint.Choose"/>); 0 when there is none.</summary>
    public static int ChooseBatchSplit(int batch, int time, int inputSize) => BatchSplitPoint.Choose(batch, time, inputSize);
}
