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
        if (ScalarPath.IsSimd<T>()) _packedRecurrent = PackedMatrix<T>.Pack(recurrentKernel, units, units);
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
