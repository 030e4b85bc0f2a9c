using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>Buffers one <see cref="RnnDriver"/> run needs; grown on demand and reused, so steady-state runs allocate nothing.</summary>
internal sealed class RnnWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // 64-byte aligned (pinned): the kernels load and store whole vectors of these rows, and one that straddles two
    // cache lines costs two accesses (a store that does must also reach the cache before the next step can read it)
    private AlignedBuffer<T> _timeMajor, _projection, _stateA, _stateB, _stepOutput, _scratch;
    private LstmSequenceJob<T>? _lstmJob;
    private LstmProjectionPipeline<T>? _pipeline;

    /// <summary>This workspace's (reusable) one-row LSTM projection pipeline.</summary>
    internal LstmProjectionPipeline<T> ProjectionPipeline() => _pipeline ??= new LstmProjectionPipeline<T>();
    private RnnBatchSplitJob<T>? _batchSplitJob;
    private FusedSequenceJob<T>? _fusedJob;
    // created with the workspace: which tuner a call consults can change from call to call (a contention back-off turns
    // the unit split's question into the pipeline's; a longer sequence turns the unit split's into the batch split's),
    // and a steady-state call must not allocate
    private readonly SplitTuner _splitTuner = new(), _pipelineTuner = new(), _batchSplitTuner = new();

    /// <summary>This workspace's choice between a per-step two-thread split and the other ways of running the layer.</summary>
    internal SplitTuner SplitTuner() => _splitTuner;

    /// <summary>This workspace's choice between the one-row LSTM projection pipeline and one thread.</summary>
    internal SplitTuner PipelineTuner() => _pipelineTuner;

    /// <summary>Times a fused LSTM's batch-row split against one thread (<see cref="SplitTuner"/>).</summary>
    internal SplitTuner BatchSplitTuner() => _batchSplitTuner;

    /// <summary>This workspace's (reusable) two-thread job for the fused GRU / SimpleRNN kernels.</summary>
    internal FusedSequenceJob<T> FusedJob() => _fusedJob ??= new FusedSequenceJob<T>();

    /// <summary>This workspace's (reusable) two-thread batch-split job for GRU / SimpleRNN.</summary>
    internal RnnBatchSplitJob<T> BatchSplitJob() => _batchSplitJob ??= new RnnBatchSplitJob<T>();

    /// <summary>This workspace's (reusable) two-thread LSTM job.</summary>
    internal LstmSequenceJob<T> LstmJob() => _lstmJob ??= new LstmSequenceJob<T>();

    internal Span<T> TimeMajor(int n) => _timeMajor.Grow(n);
    internal Span<T> Projection(int n) => _projection.Grow(n);
    /// <summary>Elements the projection buffer holds now (tests: how much a run asked for).</summary>
    internal int ProjectionCapacity => _projection.Capacity;
    internal Span<T> StateA(int n) => _stateA.Grow(n);
    internal Span<T> StateB(int n) => _stateB.Grow(n);
    internal Span<T> StepOutput(int n) => _stepOutput.Grow(n);
    internal Span<T> Scratch(int n) => _scratch.Grow(n);
}

/// <summary>
/// Runs a recurrent cell over a sequence with Keras's <c>backend.rnn</c> semantics: optional reversed iteration
/// (go_backwards: outputs stay in processed order, as Keras returns them), a (batch, time) mask under which masked
/// steps keep the previous states and emit the previous output (or zeros when zero_output_for_mask), initial states in,
/// final states out.
/// </summary>
internal static class RnnDriver
{
    /// <param name="cell">The cell.</param>
    /// <param name="inputs">Batch-first inputs, batch × time × cell.InputSize.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="time">Number of time steps (≥ 1).</param>
    /// <param name="mask">batch × time, true = keep; empty for no mask.</param>
    /// <param name="goBackwards">Iterate from the last step to the first.</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of repeating the previous output.</param>
    /// <param name="states">All states (state k is batch × size_k, one after another): initial values in, final values out.</param>
    /// <param name="sequenceOutput">batch × time × OutputSize in processed order, or empty when only the last output is needed.</param>
    /// <param name="lastOutput">batch × OutputSize: the output of the last processed step.</param>
    /// <param name="workspace">Reusable buffers.</param>
    /// <param name="carriedOutput">
    /// batch × OutputSize: the output a masked first step repeats, carried in and out (streaming in pieces); empty for
    /// Keras's per-call behaviour, where it starts at zeros.
    /// </param>
    public static void Run<T>(IRecurrentCell<T> cell, ReadOnlySpan<T> inputs, int batch, int time, ReadOnlySpan<bool> mask,
        bool goBackwards, bool zeroOutputForMask, Span<T> states, Span<T> sequenceOutput, Span<T> lastOutput, RnnWorkspace<T> workspace,
        Span<T> carriedOutput = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mask.IsEmpty && cell is LstmCell<T> lstm
            && lstm.TryRunSequence(inputs, batch, time, goBackwards, states, sequenceOutput, lastOutput, workspace, carriedOutput))
            return;
        if (mask.IsEmpty && cell is GruCell<T> gru
            && gru.TryRunSequence(inputs, batch, time, goBackwards, states, sequenceOutput, lastOutput, workspace, carriedOutput))
            return;
        if (mask.IsEmpty && cell is SimpleRnnCell<T> rnn
            && rnn.TryRunSequence(inputs, batch, time, goBackwards, states, sequenceOutput, lastOutput, workspace, carriedOutput))
            return;
        if (PairWorker.Available && batch >= 2 && RnnBatchSplitJob<T>.Supports(cell)
            && (long)time * batch * cell.OutputSize * cell.ProjectionSize >= RnnBatchSplitJob<T>.MinimumWork
            && SplittableBuffers(cell, inputs, batch, time, mask, states, sequenceOutput, lastOutput, carriedOutput))
        {
            int split = RnnBatchSplitJob<T>.ChooseSplit(batch, time, cell.InputSize, cell.OutputSize);
            if (split > 0)
            {
                RunSplit(workspace.BatchSplitJob(), split, cell, inputs, batch, time, mask, goBackwards, zeroOutputForMask, states,
                    sequenceOutput, lastOutput, carriedOutput);
                return;
            }
        }
        RunSteps(cell, inputs, batch, time, mask, goBackwards, zeroOutputForMask, states, sequenceOutput, lastOutput, workspace, carriedOutput);
    }

    private static unsafe void RunSplit<T>(RnnBatchSplitJob<T> job, int split, IRecurrentCell<T> cell, ReadOnlySpan<T> inputs, int batch, int time,
        ReadOnlySpan<bool> mask, bool goBackwards, bool zeroOutputForMask, Span<T> states, Span<T> sequenceOutput, Span<T> lastOutput,
        Span<T> carriedOutput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* x = inputs)
        fixed (bool* m = mask)
        fixed (T* st = states)
        fixed (T* seq = sequenceOutput)
        fixed (T* last = lastOutput)
        fixed (T* carried = carriedOutput)
        {
            job.Cell = cell;
            job.Batch = batch; job.Time = time; job.Split = split; job.StateSize = cell.StateSizes[0];
            job.GoBackwards = goBackwards; job.ZeroOutputForMask = zeroOutputForMask;
            job.HasMask = !mask.IsEmpty; job.HasSequence = !sequenceOutput.IsEmpty; job.HasCarried = !carriedOutput.IsEmpty;
            job.Inputs = x; job.Mask = m; job.States = st; job.Sequence = seq; job.Last = last; job.Carried = carried;
            try
            {
                PairWorker.Run(job, out _);
            }
            finally
            {
                job.Cell = null;
                job.Inputs = job.States = job.Sequence = job.Last = job.Carried = null;
                job.Mask = null;
            }
        }
    }

    /// <summary>Buffers laid out exactly batch-first (so a range of rows is a contiguous slice of each).</summary>
    private static bool SplittableBuffers<T>(IRecurrentCell<T> cell, ReadOnlySpan<T> inputs, int batch, int time, ReadOnlySpan<bool> mask,
        Span<T> states, Span<T> sequenceOutput, Span<T> lastOutput, Span<T> carriedOutput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long rows = (long)batch * time;
        int outSize = cell.OutputSize;
        return inputs.Length == rows * cell.InputSize && (mask.IsEmpty || mask.Length == rows)
            && states.Length == (long)batch * cell.StateSizes[0] && (sequenceOutput.IsEmpty || sequenceOutput.Length == rows * outSize)
            && lastOutput.Length == (long)batch * outSize && (carriedOutput.IsEmpty || carriedOutput.Length == (long)batch * outSize);
    }

    /// <summary>The generic step loop of <see cref="Run{T}"/> on this thread (same parameters).</summary>
    internal static void RunSteps<T>(IRecurrentCell<T> cell, ReadOnlySpan<T> inputs, int batch, int time, ReadOnlySpan<bool> mask,
        bool goBackwards, bool zeroOutputForMask, Span<T> states, Span<T> sequenceOutput, Span<T> lastOutput, RnnWorkspace<T> workspace,
        Span<T> carriedOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inSize = cell.InputSize, p = cell.ProjectionSize, outSize = cell.OutputSize;
        int stateLength = states.Length;

        // time-major copy of the inputs, then one projection for every step
        var timeMajor = workspace.TimeMajor(time * batch * inSize);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
                inputs.Slice((b * time + t) * inSize, inSize).CopyTo(timeMajor.Slice((t * batch + b) * inSize, inSize));
        var projection = workspace.Projection(time * batch * p);
        cell.ProjectInputs(timeMajor, time * batch, projection);

        var current = workspace.StateA(stateLength);
        var other = workspace.StateB(stateLength);
        states.CopyTo(current);
        var stepOut = workspace.StepOutput(2 * batch * outSize);
        var output = stepOut[..(batch * outSize)];
        var previousOutput = stepOut.Slice(batch * outSize, batch * outSize);
        if (carriedOutput.IsEmpty) previousOutput.Clear();
        else carriedOutput.CopyTo(previousOutput);
        var scratch = workspace.Scratch(batch * cell.ScratchPerRow);
        int[] sizes = cell.StateSizes;

        for (int s = 0; s < time; s++)
        {
            int t = goBackwards ? time - 1 - s : s;
            var prev = new StateBuffers<T>(current, sizes, batch);
            var next = new StateBuffers<T>(other, sizes, batch);
            cell.Step(projection.Slice(t * batch * p, batch * p), batch, prev, next, output, scratch);

            if (!mask.IsEmpty)
            {
                for (int b = 0; b < batch; b++)
                {
                    if (mask[b * time + t]) continue;
                    for (int k = 0; k < sizes.Length; k++)
                        prev[k].Slice(b * sizes[k], sizes[k]).CopyTo(next[k].Slice(b * sizes[k], sizes[k]));
                    var row = output.Slice(b * outSize, outSize);
                    if (zeroOutputForMask) row.Clear();
                    else previousOutput.Slice(b * outSize, outSize).CopyTo(row);
                }
            }
            output.CopyTo(previousOutput);
            if (!sequenceOutput.IsEmpty)
                for (int b = 0; b < batch; b++)
                    output.Slice(b * outSize, outSize).CopyTo(sequenceOutput.Slice((b * time + s) * outSize, outSize));

            var swap = current;
            current = other;
            other = swap;
        }
        current.CopyTo(states);
        output.CopyTo(lastOutput);
        if (!carriedOutput.IsEmpty) output.CopyTo(carriedOutput);
    }
}
