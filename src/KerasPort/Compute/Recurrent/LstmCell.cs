using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// Keras LSTM cell (gate order i, f, c, o): i = σ(z_i), f = σ(z_f), c' = f⊙c + i⊙act(z_c), o = σ(z_o), h' = o⊙act(c'),
/// with z = x·kernel + h·recurrent_kernel + bias and σ the recurrent activation. States [h, c]; output h.
/// </summary>
internal sealed class LstmCell<T> : IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _kernel;          // (input, 4u)
    private readonly T[] _recurrentKernel; // (u, 4u)
    private readonly T[] _bias;            // (4u) or empty
    private readonly Activation _activation;
    private readonly Activation _recurrentActivation;

    public LstmCell(int inputSize, int units, T[] kernel, T[] recurrentKernel, T[]? bias, Activation activation, Activation recurrentActivation)
    {
        InputSize = inputSize;
        Units = units;
        _kernel = kernel;
        _recurrentKernel = recurrentKernel;
        _bias = bias ?? [];
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        StateSizes = [units, units];
        if (ScalarPath.IsSimd<T>()) _packedRecurrent = PackedMatrix<T>.Pack(recurrentKernel, units, 4 * units);
        if (ScalarPath.IsSimd<T>() && LstmStepKernel.Supports(activation, recurrentActivation))
            Packed = LstmPacked<T>.Create(inputSize, units, kernel, recurrentKernel, _bias);
    }

    /// <summary>Multiply-adds of h·U over the whole sequence below which the batch rows are not split.</summary>
    internal static long ParallelMinimumWork = 2_000_000;

    /// <summary>
    /// Multiply-adds of h·U in one step from which the unit blocks are split (one step of that size, even a single streamed
    /// one, pays for the hand-over; below it the per-step barrier costs more than the split saves).
    /// </summary>
    internal static long ParallelMinimumStepWork = 60_000;

    /// <summary>
    /// Largest recurrent_kernel (bytes) for which batch rows are split between the threads (each reads all of U every
    /// step, with no barrier); above it the unit blocks are split (each reads half of U, meeting after every step).
    /// </summary>
    internal static long BatchSplitMaximumRecurrentBytes = 512 * 1024;

    private unsafe void RunPair(LstmSequenceJob<T> job, ReadOnlySpan<T> inputs, int batch, int time, bool goBackwards, Span<T> projection,
        Span<T> hA, Span<T> hB, Span<T> c, Span<T> sequenceOutput, int batchSplit, Action<LstmSequenceJob<T>>? execute = null)
    {
        fixed (T* x = inputs)
        fixed (T* p = projection)
        fixed (T* a = hA)
        fixed (T* b = hB)
        fixed (T* cc = c)
        fixed (T* seq = sequenceOutput)
        {
            job.Weights = Packed!;
            job.Activation = _activation;
            job.RecurrentActivation = _recurrentActivation;
            job.InputSize = InputSize;
            job.Batch = batch;
            job.Time = time;
            job.GoBackwards = goBackwards;
            job.BatchSplit = batchSplit;
            job.Inputs = x; job.Projection = p; job.HA = a; job.HB = b; job.C = cc; job.Sequence = seq;
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
                job.Inputs = job.Projection = job.HA = job.HB = job.C = job.Sequence = null;
            }
        }
    }

    /// <summary>
    /// Steps of a one-row forward sequence from which the input projection is computed on the pair worker, overlapped with
    /// the steps (inputs up to one GEMM k-block wide: wider ones are k-blocked only in products of more than MR rows, so a
    /// short last chunk would sum in another order than the whole product).
    /// </summary>
    internal static int PipelineMinimumSteps = 24;

    private unsafe bool RunPipelined(LstmProjectionPipeline<T> pipeline, ReadOnlySpan<T> inputs, int time, Span<T> projection,
        Span<T> hA, Span<T> hB, Span<T> c, Span<T> sequenceOutput)
    {
        StepwiseProjection<T>.Require(projection.Length, (long)time * Packed!.ProjectionWidth, "LSTM");
        fixed (T* x = inputs)
        fixed (T* p = projection)
        fixed (T* a = hA)
        fixed (T* b = hB)
        fixed (T* cc = c)
        fixed (T* seq = sequenceOutput)
            return pipeline.Execute(Packed!, _activation, _recurrentActivation, x, InputSize, time, p, a, b, cc, seq);
    }

    /// <summary>Gate-interleaved weights for the fused sequence kernel; null when it does not apply (no SIMD, gelu).</summary>
    internal LstmPacked<T>? Packed { get; }

    /// <summary>
    /// The whole unmasked sequence with the fused kernel (<see cref="LstmStepKernel"/>); same contract as
    /// <see cref="RnnDriver.Run{T}"/>. False when the fused path does not apply (the caller runs the generic driver).
    /// <paramref name="splitUnits"/> (tests) forces the unit-block split whenever there are two blocks, and runs it with
    /// <paramref name="splitUnits"/> in place of <see cref="LstmSequenceJob{T}.Execute"/>, after
    /// <see cref="LstmSequenceJob{T}.Prepare"/>, to drive the job's parts directly; <paramref name="splitRows"/> (tests)
    /// does the same with the batch-row split wherever the batch has a split point.
    /// </summary>
    internal bool TryRunSequence(ReadOnlySpan<T> inputs, int batch, int time, bool goBackwards, Span<T> states, Span<T> sequenceOutput,
        Span<T> lastOutput, RnnWorkspace<T> workspace, Span<T> carriedOutput, Action<LstmSequenceJob<T>>? splitUnits = null,
        Action<LstmSequenceJob<T>>? splitRows = null)
    {
        var w = Packed;
        if (w is null) return false;
        int u = Units, up = w.PaddedUnits, pw = w.ProjectionWidth;
        var h = workspace.StateA(2 * batch * up);
        var hA = h[..(batch * up)];
        var hB = h.Slice(batch * up, batch * up);
        var c = workspace.StateB(batch * up);
        if (up != u)
        {
            hA.Clear();
            c.Clear();
        }
        for (int b = 0; b < batch; b++)
        {
            states.Slice(b * u, u).CopyTo(hA.Slice(b * up, u));
            states.Slice((batch + b) * u, u).CopyTo(c.Slice(b * up, u));
        }
        bool inB;
        long work = (long)time * batch * u * 4 * u;
        int batchSplitPoint = splitRows is not null || (splitUnits is null && PairWorker.Available && batch >= 2 && work >= ParallelMinimumWork
            && (long)u * 4 * u * Unsafe.SizeOf<T>() <= BatchSplitMaximumRecurrentBytes) ? LstmSequenceJob<T>.ChooseBatchSplit(batch, time, InputSize) : 0;
        // the batch split meets the other thread only at the end of the call, yet short steps on two threads have still
        // lost to one thread at times (W1 b8, LSTM(32): 210 µs split against ~160 µs on one thread in one run, 85–130 µs
        // split otherwise), so it is timed against one thread too
        long stepWork = (long)batch * u * 4 * u;
        var batchTuner = batchSplitPoint > 0 && splitRows is null && SplitTuner.Needed(stepWork) ? workspace.BatchSplitTuner() : null;
        int batchSplit = batchTuner is null || batchTuner.PreferSplit(batch) ? batchSplitPoint : 0;
        // the unit split meets the other thread after every step: whether that pays depends on the cores' hand-over
        // time, so each such call is timed against the other way (SplitTuner), but where the steps are large enough that
        // the split always wins
        bool unitSplitFits = batchSplitPoint == 0 && splitUnits is null && w.Blocks >= 2 && PairWorker.Available && !PairContention.BackingOff
            && stepWork >= ParallelMinimumStepWork;
        var tuner = unitSplitFits && SplitTuner.Needed(stepWork) ? workspace.SplitTuner() : null;
        bool unitSplit = splitUnits is not null ? w.Blocks >= 2 : unitSplitFits && (tuner is null || tuner.PreferSplit(batch));
        // the one-row pipeline hands a projection chunk over every 12 steps; where it is the alternative to one thread
        // (no unit split in question), it is timed against it in the same way
        bool pipelineFits = batchSplit == 0 && !unitSplit && PairWorker.Available && batch == 1 && !goBackwards
            && time >= PipelineMinimumSteps && InputSize <= GemmLayout.KC;
        var pipelineTuner = pipelineFits && !unitSplitFits && splitUnits is null ? workspace.PipelineTuner() : null;
        bool pipelined = pipelineFits && (pipelineTuner is null || pipelineTuner.PreferSplit(batch));
        // every way below projects the rows of a step at a time wherever StepwiseProjection applies to them (the unit split
        // included), else the whole sequence of its rows
        var projection = workspace.Projection(StepwiseProjection<T>.BufferLength(batch, batchSplit, time, InputSize, pw, chunked: true));
        long start = tuner is null && pipelineTuner is null && batchTuner is null ? 0 : Stopwatch.GetTimestamp();
        if (batchSplit > 0)
        {
            RunPair(workspace.LstmJob(), inputs, batch, time, goBackwards, projection, hA, hB, c, sequenceOutput, batchSplit, splitRows);
            inB = time % 2 == 1;
        }
        else if (unitSplit)
        {
            // a back-off (the other core is busy) falls through to the one-row pipeline (led, so it never waits for a
            // worker that has not started) or the serial run
            RunPair(workspace.LstmJob(), inputs, batch, time, goBackwards, projection, hA, hB, c, sequenceOutput, 0, splitUnits);
            inB = time % 2 == 1;
        }
        else if (pipelined)
        {
            inB = RunPipelined(workspace.ProjectionPipeline(), inputs, time, projection, hA, hB, c, sequenceOutput);
        }
        else if (StepwiseProjection<T>.Applies(batch, time, InputSize, pw))
        {
            // the whole batch here, its projection computed step by step as the steps reach it
            RunPair(workspace.LstmJob(), inputs, batch, time, goBackwards, projection, hA, hB, c, sequenceOutput, 0, static job => job.RunAllRows());
            inB = time % 2 == 1;
        }
        else
        {
            Gemm.Multiply(batch * time, inputs, InputSize, w.Kernel, projection, pw, w.Bias);
            inB = LstmStepKernel.Sequence(w, _activation, _recurrentActivation, batch, time, goBackwards, projection, hA, hB, c, sequenceOutput);
        }
        if (tuner is not null || pipelineTuner is not null || batchTuner is not null)
        {
            long elapsed = Stopwatch.GetTimestamp() - start;
            tuner?.Record(unitSplit, time, elapsed);
            pipelineTuner?.Record(pipelined, time, elapsed);
            batchTuner?.Record(batchSplit > 0, time, elapsed);
        }
        var final = inB ? hB : hA;
        for (int b = 0; b < batch; b++)
        {
            var row = final.Slice(b * up, u);
            row.CopyTo(states.Slice(b * u, u));
            row.CopyTo(lastOutput.Slice(b * u, u));
            if (!carriedOutput.IsEmpty) row.CopyTo(carriedOutput.Slice(b * u, u));
            c.Slice(b * up, u).CopyTo(states.Slice((batch + b) * u, u));
        }
        return true;
    }

    private readonly PackedMatrix<T>? _packedRecurrent; // null on the generic scalar path

    public int Units { get; }
    /// <summary>kernel (input, 4·units), gates i, f, c, o.</summary>
    public ReadOnlySpan<T> Kernel => _kernel;
    /// <summary>recurrent_kernel (units, 4·units).</summary>
    public ReadOnlySpan<T> RecurrentKernel => _recurrentKernel;
    /// <summary>bias (4·units), empty when use_bias=False.</summary>
    public ReadOnlySpan<T> Bias => _bias;
    public Activation Activation => _activation;
    public Activation RecurrentActivation => _recurrentActivation;
    public int InputSize { get; }
    public int ProjectionSize => 4 * Units;
    public int[] StateSizes { get; }
    public int OutputSize => Units;
    public int ScratchPerRow => 4 * Units;

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection)
    {
        if (_packedRecurrent is null) ScalarPath.MatMul<T>(inputs, rows, InputSize, _kernel, 4 * Units, 0, 4 * Units, _bias, projection, false);
        else Gemm.Multiply(rows, 4 * Units, InputSize, inputs, InputSize, _kernel, 4 * Units, projection, 4 * Units, _bias);
    }

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch)
    {
        int u = Units;
        var z = scratch[..(batch * 4 * u)];
        projection[..(batch * 4 * u)].CopyTo(z);
        if (_packedRecurrent is not null) Gemm.Multiply(batch, previous[0], u, _packedRecurrent, z, 4 * u, accumulate: true);
        var cNext = next[1];
        previous[1].CopyTo(cNext);
        if (_packedRecurrent is null)
        {
            ScalarPath.MatMul<T>(previous[0], batch, u, _recurrentKernel, 4 * u, 0, 4 * u, default, z, true);
            var h = next[0];
            for (int b = 0; b < batch; b++)
            {
                for (int j = 0; j < u; j++)
                {
                    int o = b * 4 * u;
                    T i = ScalarPath.Act(_recurrentActivation, z[o + j]);
                    T f = ScalarPath.Act(_recurrentActivation, z[o + u + j]);
                    T g = ScalarPath.Act(_activation, z[o + 2 * u + j]);
                    T og = ScalarPath.Act(_recurrentActivation, z[o + 3 * u + j]);
                    T c = f * cNext[b * u + j] + i * g;
                    cNext[b * u + j] = c;
                    h[b * u + j] = og * ScalarPath.Act(_activation, c);
                }
            }
        }
        else if (GateMath.Fusable(_activation, _recurrentActivation))
        {
            RecurrentKernels.LstmCell(_activation, _recurrentActivation, u, z, cNext, next[0]);
        }
        else
            GateMath.Lstm(_activation, _recurrentActivation, u, z, cNext, next[0]);
        next[0].CopyTo(output);
    }
}
