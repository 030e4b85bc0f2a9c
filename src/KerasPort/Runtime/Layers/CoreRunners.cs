using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Ops;
using KerasPort.Compute.Kernels;

namespace KerasPort.Runtime.Layers;

/// <summary>Dense over the last axis: y = act(x·kernel + bias). Passes masks on (Keras Dense supports masking).</summary>
internal sealed class DenseRunner<T>(string name, int inputDim, int units, T[] kernel, T[]? bias, Activation activation)
    : LayerRunner<T>(name, "Dense") where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        if (x.Length < 2 || x[^1] != inputDim)
            throw new ShapeMismatchException($"layer '{Name}' (Dense) expects inputs whose last dimension is {inputDim}; got {ShapeText(x)}");
        var y = (int[])x.Clone();
        y[^1] = units;
        return [y];
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        int rows = x.Length / inputDim;
        var y = outputs[0].Data;
        Gemm.Multiply(rows, units, inputDim, x.Data, inputDim, kernel, units, y, units, bias ?? default, accumulate: false);
        ActivationFunctions.Apply(activation, y, units);
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
