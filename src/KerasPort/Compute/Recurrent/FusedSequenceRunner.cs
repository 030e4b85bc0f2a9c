using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// When a fused GRU / SimpleRNN sequence is split over the two threads, in multiply-adds of h·U (padded panels
/// included): below <see cref="MinimumWork"/> for the whole call one thread does it all; batch rows are split when the
/// packed recurrent weights are at most <see cref="BatchSplitMaximumRecurrentBytes"/> (each thread streams all of U
/// every step, no barrier) and a tile-preserving split point exists; else unit blocks are split (each thread streams
/// half of U, meeting after every step) when one step has at least <see cref="MinimumStepWork"/>.
/// </summary>
internal sealed class FusedSplitPolicy
{
    /// <summary>Multiply-adds of h·U over the whole call below which one thread does it all.</summary>
    public long MinimumWork { get; set; }
    /// <summary>Multiply-adds of h·U in one step below which the per-step barrier costs more than the unit split saves.</summary>
    public long MinimumStepWork { get; set; }
    /// <summary>Largest packed recurrent_kernel (bytes) for which batch rows are split.</summary>
    public long BatchSplitMaximumRecurrentBytes { get; set; }
    /// <summary>Smallest batch split by rows (below it, the unit split or one thread).</summary>
    public int BatchSplitMinimumBatch { get; set; } = 2;
    /// <summary>Tests: split whenever the sizes allow, even with one core or while <see cref="PairContention"/> backs off.</summary>
    public bool Forced { get; set; }
}

/// <summary>Runs a whole unmasked sequence through a fused kernel (<see cref="IFusedSequence{T}"/>), on one or two threads.</summary>
internal static class FusedSequenceRunner
{
    /// <summary>
    /// Same contract as <see cref="RnnDriver.Run{T}"/> without a mask, for a single-state cell whose output is h.
    /// <paramref name="execute"/> (tests) replaces <see cref="FusedSequenceJob{T}.Execute"/> for a split run, after
    /// <see cref="FusedSequenceJob{T}.Prepare"/>, to drive the job's parts directly.
    /// </summary>
    public static void Run<T>(IFusedSequence<T> w, FusedSplitPolicy policy, int inputSize, ReadOnlySpan<T> inputs, int batch, int time, bool goBackwards,
        Span<T> states, Span<T> sequenceOutput, Span<T> lastOutput, RnnWorkspace<T> workspace, Span<T> carriedOutput,
        Action<FusedSequenceJob<T>>? execute = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int u = w.Units, up = w.PaddedUnits, pw = w.ProjectionWidth;
        var h = workspace.StateA(2 * batch * up);
        var hA = h[..(batch * up)];
        var hB = h.Slice(batch * up, batch * up);
        if (up != u) hA.Clear();
        for (int b = 0; b < batch; b++) states.Slice(b * u, u).CopyTo(hA.Slice(b * up, u));
        long stepWork = w.RecurrentBytes / Unsafe.SizeOf<T>();
        long work = (long)time * batch * stepWork;
        bool parallel = work >= policy.MinimumWork && (policy.Forced || (PairWorker.Available && !PairContention.BackingOff));
        int batchSplit = parallel && batch >= Math.Max(2, policy.BatchSplitMinimumBatch) && w.RecurrentBytes <= policy.BatchSplitMaximumRecurrentBytes
            ? FusedSequenceJob<T>.ChooseBatchSplit(batch, time, inputSize) : 0;
        if (3 * Math.Min(batchSplit, batch - batchSplit) < batch) batchSplit = 0; // e.g. 6 + 1 of 7: the unit split balances better
        bool unitSplitFits = batchSplit == 0 && parallel && w.Blocks >= 2 && batch * stepWork >= policy.MinimumStepWork;
        // the unit split meets the other thread after every step: whether that pays depends on the cores' hand-over
        // time, so each such call is timed against one thread (SplitTuner); forced (tests) splits are not, nor splits of
        // steps large enough that they always win
        var tuner = unitSplitFits && !policy.Forced && SplitTuner.Needed(batch * stepWork) ? workspace.SplitTuner() : null;
        bool unitSplit = unitSplitFits && (tuner is null || tuner.PreferSplit(batch));
        // the rows of a step at a time wherever StepwiseProjection applies to them, but in a unit split whose blocks cannot
        // be split on a panel boundary (its phase 0 projects the whole sequence)
        var projection = workspace.Projection(unitSplit && !FusedSequenceJob<T>.ProjectsStepsOf(w, batch, time, inputSize)
            ? checked(batch * time * pw) : StepwiseProjection<T>.BufferLength(batch, batchSplit, time, inputSize, pw));
        long start = tuner is null ? 0 : Stopwatch.GetTimestamp();
        if (batchSplit > 0)
            RunPair(workspace.FusedJob(), w, inputSize, inputs, batch, time, goBackwards, projection, hA, hB, sequenceOutput, batchSplit, execute);
        else if (unitSplit)
            RunPair(workspace.FusedJob(), w, inputSize, inputs, batch, time, goBackwards, projection, hA, hB, sequenceOutput, 0, execute);
        else if (StepwiseProjection<T>.Applies(batch, time, inputSize, pw))
        {
            // the whole batch here, its projection computed step by step as the steps reach it
            RunPair(workspace.FusedJob(), w, inputSize, inputs, batch, time, goBackwards, projection, hA, hB, sequenceOutput, 0, static job => job.Run(-1));
        }
        else
        {
            Gemm.Multiply(batch * time, inputs, inputSize, w.Kernel, projection, pw, w.Bias);
            FusedSequenceKernel.Sequence(w, batch, time, goBackwards, projection, hA, hB, sequenceOutput);
        }
        tuner?.Record(unitSplit, time, Stopwatch.GetTimestamp() - start);
        var final = time % 2 == 1 ? hB : hA;
        for (int b = 0; b < batch; b++)
        {
            var row = final.Slice(b * up, u);
            row.CopyTo(states.Slice(b * u, u));
            row.CopyTo(lastOutput.Slice(b * u, u));
            if (!carriedOutput.IsEmpty) row.CopyTo(carriedOutput.Slice(b * u, u));
        }
    }

    private static unsafe void RunPair<T>(FusedSequenceJob<T> job, IFusedSequence<T> w, int inputSize, ReadOnlySpan<T> inputs, int batch, int time,
        bool goBackwards, Span<T> projection, Span<T> hA, Span<T> hB, Span<T> sequenceOutput, int batchSplit, Action<FusedSequenceJob<T>>? execute)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* x = inputs)
        fixed (T* p = projection)
        fixed (T* a = hA)
        fixed (T* b = hB)
        fixed (T* seq = sequenceOutput)
        {
            job.Weights = w;
            job.InputSize = inputSize;
            job.Batch = batch;
            job.Time = time;
            job.GoBackwards = goBackwards;
            job.BatchSplit = batchSplit;
            job.Inputs = x; job.Projection = p; job.HA = a; job.HB = b; job.Sequence = sequenceOutput.IsEmpty ? null : seq;
            job.ProjectionLength = projection.Length;
            try
            {
                if (execute is null)
                {
                    job.Execute();
                }
                else
                {
                    job.Prepare();
                    execute(job);
                }
            }
            finally
            {
                job.Weights = null!;
                job.Inputs = job.Projection = job.HA = job.HB = job.Sequence = null;
            }
        }
    }
}
