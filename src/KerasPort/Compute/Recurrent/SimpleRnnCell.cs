using System.Numerics;
using KerasPort.Compute.Kernels;

namespace KerasPort.Compute.Recurrent;

/// <summary>Keras SimpleRNN cell: h' = act(x·kernel + bias + h·recurrent_kernel). State [h]; output h.</summary>
internal sealed class SimpleRnnCell<T> : IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _kernel;          // (input, u)
    private readonly T[] _recurrentKernel; // (u, u)
    private readonly T[] _bias;            // (u) or empty
    private readonly Activation _activation;

    public SimpleRnnCell(int inputSize, int units, T[] kernel, T[] recurrentKernel, T[]? bias, Activation activation)
    {
        InputSize = inputSize;
        Units = units;
        _kernel = kernel;
        _recurrentKernel = recurrentKernel;
        _bias = bias ?? [];
        _activation = activation;
        StateSizes = [units];
        if (ScalarPath.IsSimd<T>())
        {
            _packedRecurrent = PackedMatrix<T>.Pack(recurrentKernel, units, units);
            Packed = SimpleRnnPacked<T>.Create(inputSize, units, kernel, recurrentKernel, _bias, activation);
        }
    }

    /// <summary>Block-packed weights for the fused sequence kernel; null when it does not apply (no SIMD, softmax, gelu).</summary>
    internal SimpleRnnPacked<T>? Packed { get; }

    /// <summary>When the fused sequence is split over two threads (see <see cref="FusedSplitPolicy"/>).</summary>
    internal static readonly FusedSplitPolicy SplitPolicy = new()
    {
        MinimumWork = 1_000_000,
        MinimumStepWork = 15_000,
        BatchSplitMaximumRecurrentBytes = 512 * 1024,
    };

    /// <summary>
    /// The whole unmasked sequence with the fused kernel (<see cref="SimpleRnnStepKernel"/>); same contract as
    /// <see cref="RnnDriver.Run{T}"/>. False when the fused path does not apply (the caller runs the generic driver).
    /// </summary>
    internal bool TryRunSequence(ReadOnlySpan<T> inputs, int batch, int time, bool goBackwards, Span<T> states, Span<T> sequenceOutput,
        Span<T> lastOutput, RnnWorkspace<T> workspace, Span<T> carriedOutput)
    {
        if (Packed is not { } w || batch < 1 || time < 1) return false; // empty runs: the generic driver's semantics
        FusedSequenceRunner.Run(w, SplitPolicy, InputSize, inputs, batch, time, goBackwards, states, sequenceOutput, lastOutput, workspace, carriedOutput);
        return true;
    }

    private readonly PackedMatrix<T>? _packedRecurrent; // null on the generic scalar path

    public int Units { get; }
    /// <summary>kernel (input, units).</summary>
    public ReadOnlySpan<T> Kernel => _kernel;
    /// <summary>recurrent_kernel (units, units).</summary>
    public ReadOnlySpan<T> RecurrentKernel => _recurrentKernel;
    /// <summary>bias (units), empty when use_bias=False.</summary>
    public ReadOnlySpan<T> Bias => _bias;
    public Activation Activation => _activation;
    public int InputSize { get; }
    public int ProjectionSize => Units;
    public int[] StateSizes { get; }
    public int OutputSize => Units;
    public int ScratchPerRow => 0;

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection)
    {
        if (_packedRecurrent is null) ScalarPath.MatMul<T>(inputs, rows, InputSize, _kernel, Units, 0, Units, _bias, projection, false);
        else Gemm.Multiply(rows, Units, InputSize, inputs, InputSize, _kernel, Units, projection, Units, _bias);
    }

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch)
    {
        int n = batch * Units;
        var hNext = next[0];
        projection[..n].CopyTo(hNext);
        if (_packedRecurrent is null)
        {
            ScalarPath.MatMul<T>(previous[0], batch, Units, _recurrentKernel, Units, 0, Units, default, hNext, true);
            for (int i = 0; i < n; i++) hNext[i] = ScalarPath.Act(_activation, hNext[i]);
        }
        else
        {
            Gemm.Multiply(batch, previous[0], Units, _packedRecurrent, hNext, Units, accumulate: true);
            if (_activation.IsElementwise) RecurrentKernels.SimpleRnnCell(_activation, hNext, hNext);
            else ActivationFunctions.Apply(_activation, hNext, Units);
        }
        hNext.CopyTo(output);
    }
}
