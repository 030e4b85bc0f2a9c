using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Ops;
using KerasPort.Compute.Kernels;

namespace KerasPort.Runtime.Layers;

/// <summary>Dense over the last axis: y = act(x·kernel + bias). Passes masks on (Keras Dense supports masking).</summary>
internal sealed class DenseRunner<T> : LayerRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _inputDim;
    private readonly int _units;
    private readonly T[] _kernel;
    private readonly PackedMatrix<T>? _packed; // the kernel packed once for the SIMD GEMM (null on the scalar path)
    private readonly T[]? _bias;
    private readonly Activation _activation;

    public DenseRunner(string name, int inputDim, int units, T[] kernel, T[]? bias, Activation activation) : base(name, "Dense")
    {
        _inputDim = inputDim;
        _units = units;
        _kernel = kernel;
        _bias = bias;
        _activation = activation;
        if (Compute.Recurrent.ScalarPath.IsSimd<T>()) _packed = PackedMatrix<T>.Pack(kernel, inputDim, units);
    }

    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        if (x.Length < 2 || x[^1] != _inputDim)
            throw new ShapeMismatchException($"layer '{Name}' (Dense) expects inputs whose last dimension is {_inputDim}; got {ShapeText(x)}");
        var y = (int[])x.Clone();
        y[^1] = _units;
        return [y];
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        int rows = x.Length / _inputDim;
        var y = outputs[0].Data;
        if (_packed is not null)
        {
            // Large products are split by rows over both cores (bit-identical to the serial product).
            ParallelGemm.MultiplyActivate(rows, x.Data, _packed, y, _bias ?? default, _activation);
            return;
        }
        Gemm.Multiply(rows, _units, _inputDim, x.Data, _inputDim, _kernel, _units, y, _units, _bias ?? default);
        if (_activation.Kind != ActivationKind.Linear) ActivationFunctions.Apply(_activation, y, _units);
    }

    /// <summary>
    /// This layer, then <paramref name="next"/> (a Dense layer) on this layer's output, as one two-thread job when both are products of a
    /// few rows split by column panels (<see cref="ParallelGemm.TryMultiplyActivateChain{T}"/>: one meeting of the cores
    /// instead of two hand-overs, the same bits). False, having run nothing, otherwise.
    /// </summary>
    public override bool TryRunWithNext(LayerRunner<T> next, Slot<T> input, Slot<T> output, Slot<T> nextOutput)
    {
        if (next is not DenseRunner<T> second || _packed is null || second._packed is null || _units != second._inputDim) return false;
        int rows = input.Length / _inputDim;
        return ParallelGemm.TryMultiplyActivateChain(rows, input.Data, _packed, output.Data, _bias ?? default, _activation,
            second._packed, nextOutput.Data, second._bias ?? default, second._activation);
    }
}

/// <summary>An activation applied element-wise (or softmax over an axis): Activation, ReLU, LeakyReLU, ELU, Softmax layers.</summary>
internal sealed class ActivationRunner<T>(string name, string className, Activation activation)
    : LayerRunner<T>(name, className) where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes) => [inputShapes[0]];

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        var y = outputs[0].Data;
        if (activation.IsElementwise || activation.Axis == -1 || activation.Axis == x.Shape.Length - 1)
        {
            x.Data.CopyTo(y);
            ActivationFunctions.Apply(activation, y, x.Shape[^1]);
        }
        else if (activation.Kind == ActivationKind.Softmax)
            ActivationLayerOps.Softmax(Name, x.Data, x.Shape, activation.Axis, y);
        else
            ActivationLayerOps.LogSoftmax(Name, x.Data, x.Shape, activation.Axis, y);
    }
}

/// <summary>Layers that are the identity at inference (Dropout family, noise, ActivityRegularization).</summary>
internal sealed class IdentityRunner<T>(string name, string className) : LayerRunner<T>(name, className)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes) => [inputShapes[0]];

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state) =>
        inputs[0].Data.CopyTo(outputs[0].Data);
}
