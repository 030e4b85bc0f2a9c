using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Ops;

namespace KerasPort.Runtime.Layers;

/// <summary>Embedding lookup; emits the mask ids ≠ 0 when mask_zero.</summary>
internal sealed class EmbeddingRunner<T>(string name, int inputDim, int outputDim, T[] embeddings, bool maskZero)
    : LayerRunner<T>(name, "Embedding") where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes) => [[.. inputShapes[0], outputDim]];

    public override bool OutputMasked(int output, bool[] inputMasked) => maskZero;

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        EmbeddingOps.Lookup(Name, inputs[0].Data, embeddings, inputDim, outputDim, outputs[0].Data);
        if (outputs[0].HasMask) EmbeddingOps.MaskZero<T>(inputs[0].Data, outputs[0].Mask);
    }
}

/// <summary>Masking: zeroes steps whose features all equal mask_value and emits the (batch, time) mask.</summary>
internal sealed class MaskingRunner<T>(string name, double maskValue) : LayerRunner<T>(name, "Masking")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes)
    {
        if (inputShapes[0].Length != 3)
            throw new ShapeMismatchException($"layer '{Name}' (Masking) expects (batch, time, features); got {ShapeText(inputShapes[0])}");
        return [inputShapes[0]];
    }

    public override bool OutputMasked(int output, bool[] inputMasked) => true;

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state) =>
        MaskingOps.Apply(Name, inputs[0].Data, inputs[0].Shape[^1], maskValue, outputs[0].Data, outputs[0].Mask);
}

/// <summary>Conv1D (channels_last or channels_first) followed by its activation.</summary>
internal sealed class Conv1DRunner<T>(string name, int channels, int filters, int kernelSize, int strides, Padding padding,
    int dilation, int groups, DataFormat format, T[] kernel, T[]? bias, Activation activation)
    : LayerRunner<T>(name, "Conv1D") where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        int c = format == DataFormat.ChannelsLast ? 2 : 1, l = 3 - c;
        if (x.Length != 3 || x[c] != channels)
            throw new ShapeMismatchException($"layer '{Name}' (Conv1D) expects input with {channels} channels; got {ShapeText(x)}");
        int outLen = ConvolutionOps.OutputLength(Name, x[l], kernelSize, strides, padding, dilation);
        return [format == DataFormat.ChannelsLast ? [x[0], outLen, filters] : [x[0], filters, outLen]];
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        int length = format == DataFormat.ChannelsLast ? x.Shape[1] : x.Shape[2];
        var y = outputs[0].Data;
        ConvolutionOps.Conv1D(Name, x.Data, x.Shape[0], length, channels, kernel, kernelSize, filters, bias ?? default, strides,
            padding, dilation, groups, format, y);
        if (format == DataFormat.ChannelsLast || activation.IsElementwise)
            ActivationFunctions.Apply(activation, y, outputs[0].Shape[^1]);
        else
            throw new NotSupportedException("softmax activation on channels_first Conv1D");
    }
}

/// <summary>MaxPooling1D / AveragePooling1D.</summary>
internal sealed class Pooling1DRunner<T>(string name, string className, bool isMax, int poolSize, int strides, Padding padding, DataFormat format)
    : LayerRunner<T>(name, className) where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        if (x.Length != 3) throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) expects (batch, steps, channels); got {ShapeText(x)}");
        int l = format == DataFormat.ChannelsLast ? 1 : 2;
        int outLen = PoolingOps.OutputLength(Name, x[l], poolSize, strides, padding);
        var y = (int[])x.Clone();
        y[l] = outLen;
        return [y];
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        int l = format == DataFormat.ChannelsLast ? 1 : 2, c = 3 - l;
        if (isMax)
            PoolingOps.MaxPooling1D(Name, x.Data, x.Shape[0], x.Shape[l], x.Shape[c], poolSize, strides, padding, format, outputs[0].Data);
        else
            PoolingOps.AveragePooling1D(Name, x.Data, x.Shape[0], x.Shape[l], x.Shape[c], poolSize, strides, padding, format, outputs[0].Data);
    }
}

/// <summary>GlobalMaxPooling1D / GlobalAveragePooling1D (the average honours a mask, as Keras does).</summary>
internal sealed class GlobalPooling1DRunner<T>(string name, string className, bool isMax, DataFormat format, bool keepDims, bool keras2)
    : LayerRunner<T>(name, className) where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        if (x.Length != 3) throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) expects (batch, steps, channels); got {ShapeText(x)}");
        int c = format == DataFormat.ChannelsLast ? 2 : 1;
        return [PoolingOps.GlobalPooling1DOutputShape(x[0], x[c], format, keepDims)];
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        int l = format == DataFormat.ChannelsLast ? 1 : 2, c = 3 - l;
        if (isMax)
            PoolingOps.GlobalMaxPooling1D(Name, x.Data, x.Shape[0], x.Shape[l], x.Shape[c], format, outputs[0].Data);
        else
            PoolingOps.GlobalAveragePooling1D(Name, x.Data, x.Shape[0], x.Shape[l], x.Shape[c], format, x.Mask, keras2, outputs[0].Data);
    }
}

/// <summary>BatchNormalization at inference, folded into one scale and shift per channel at load.</summary>
internal sealed class BatchNormalizationRunner<T>(string name, int axis, T[] scale, T[] shift)
    : LayerRunner<T>(name, "BatchNormalization") where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        int a = axis < 0 ? axis + x.Length : axis;
        if (a <= 0 || a >= x.Length || x[a] != scale.Length)
            throw new ShapeMismatchException($"layer '{Name}' (BatchNormalization) normalizes axis {axis} of size {scale.Length}; got input {ShapeText(x)}");
        return [x];
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        int a = axis < 0 ? axis + x.Shape.Length : axis;
        NormalizationOps.BatchNormalizationApply(Name, x.Data, x.Shape, a, scale, shift, outputs[0].Data);
    }
}

/// <summary>LayerNormalization over the configured axes.</summary>
internal sealed class LayerNormalizationRunner<T>(string name, int[] axes, T[] gamma, T[] beta, double epsilon, bool rmsScaling,
    LayerNormalizationFormula formula) : LayerRunner<T>(name, "LayerNormalization") where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes) => [inputShapes[0]];

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        Span<int> resolved = stackalloc int[axes.Length];
        for (int i = 0; i < axes.Length; i++) resolved[i] = axes[i] < 0 ? axes[i] + x.Shape.Length : axes[i];
        NormalizationOps.LayerNormalization(Name, x.Data, x.Shape, resolved, gamma, beta, epsilon, rmsScaling, formula, outputs[0].Data);
    }
}

/// <summary>
/// Add, Subtract, Multiply, Average, Maximum, Minimum. Output mask: Keras 1/2 AND the masks that are present; Keras 3
/// ORs them, and drops the mask unless every input has one.
/// </summary>
internal sealed class ElementwiseMergeRunner<T>(string name, string className, MergeOp op, bool keras3) : LayerRunner<T>(name, className)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes) => [MergeOps.ElementwiseOutputShape(Name, op, inputShapes)];

    public override object? CreateWorkspace(int[][] inputShapes) => new MergeWorkspace<T>(inputShapes.Length);

    public override bool OutputMasked(int output, bool[] inputMasked) => keras3 ? inputMasked.All(m => m) : inputMasked.Any(m => m);

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var ws = (MergeWorkspace<T>)workspace!;
        ws.Fill(inputs);
        MergeOps.Elementwise(Name, op, ws.Memories, ws.Shapes, outputs[0].Data);
        if (!outputs[0].HasMask) return;
        if (keras3) MergeWorkspace<T>.OrMasks(inputs, outputs[0]);
        else MergeWorkspace<T>.AndMasks(inputs, outputs[0]);
    }
}

/// <summary>Concatenate along an axis; masks are combined with AND (missing masks count as all-true).</summary>
internal sealed class ConcatenateRunner<T>(string name, int axis) : LayerRunner<T>(name, "Concatenate")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override int[][] OutputShapes(int[][] inputShapes) => [MergeOps.ConcatenateOutputShape(Name, inputShapes, axis)];

    public override object? CreateWorkspace(int[][] inputShapes) => new MergeWorkspace<T>(inputShapes.Length);

    public override bool OutputMasked(int output, bool[] inputMasked) => inputMasked.Any(m => m);

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var ws = (MergeWorkspace<T>)workspace!;
        ws.Fill(inputs);
        MergeOps.Concatenate(Name, ws.Memories, ws.Shapes, axis, outputs[0].Data);
        MergeWorkspace<T>.AndMasks(inputs, outputs[0]);
    }
}

internal sealed class MergeWorkspace<T>(int count) where T : unmanaged
{
    public ReadOnlyMemory<T>[] Memories { get; } = new ReadOnlyMemory<T>[count];
    public int[][] Shapes { get; } = new int[count][];

    public void Fill(Slot<T>[] inputs)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            Memories[i] = inputs[i].Memory;
            Shapes[i] = inputs[i].Shape;
        }
    }

    public static void OrMasks(Slot<T>[] inputs, Slot<T> output)
    {
        var m = output.Mask;
        m.Clear();
        foreach (var x in inputs)
        {
            var xm = x.Mask;
            for (int i = 0; i < m.Length; i++) m[i] |= xm[i];
        }
    }

    public static void AndMasks(Slot<T>[] inputs, Slot<T> output)
    {
        if (!output.HasMask) return;
        var m = output.Mask;
        m.Fill(true);
        foreach (var x in inputs)
        {
            if (!x.HasMask) continue;
            var xm = x.Mask;
            for (int i = 0; i < m.Length; i++) m[i] &= xm[i];
        }
    }
}

/// <summary>Flatten, Reshape, Permute, RepeatVector (masks are dropped, as in Keras).</summary>
internal sealed class ReshapingRunner<T> : LayerRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _target;
    private readonly DataFormat _format;

    public ReshapingRunner(string name, string className, int[] target, DataFormat format = DataFormat.ChannelsLast) : base(name, className)
    {
        _target = target;
        _format = format;
    }

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        return ClassName switch
        {
            "Flatten" => [[x[0], x.Skip(1).Aggregate(1, (a, b) => a * b)]],
            "Reshape" => [ReshapingOps.ReshapeOutputShape(Name, x, _target)],
            "Permute" => [ReshapingOps.PermuteOutputShape(Name, x, _target)],
            "RepeatVector" => x.Length == 2 ? [[x[0], _target[0], x[1]]]
                : throw new ShapeMismatchException($"layer '{Name}' (RepeatVector) expects (batch, features); got {ShapeText(x)}"),
            _ => throw new InvalidOperationException(ClassName),
        };
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var x = inputs[0];
        switch (ClassName)
        {
            case "Flatten": ReshapingOps.Flatten(Name, x.Data, x.Shape, _format, outputs[0].Data); break;
            case "Reshape": x.Data.CopyTo(outputs[0].Data); break;
            case "Permute": ReshapingOps.Permute(Name, x.Data, x.Shape, _target, outputs[0].Data); break;
            default: ReshapingOps.RepeatVector(Name, x.Data, x.Shape[0], x.Shape[1], _target[0], outputs[0].Data); break;
        }
    }
}

/// <summary>PReLU with learned alpha (shared axes broadcast).</summary>
internal sealed class PReLURunner<T>(string name, T[] alpha, int[] sharedAxes) : LayerRunner<T>(name, "PReLU")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    public override int[][] OutputShapes(int[][] inputShapes) => [inputShapes[0]];

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state) =>
        ActivationLayerOps.PReLU(Name, inputs[0].Data, inputs[0].Shape, alpha, sharedAxes, outputs[0].Data);
}

/// <summary>
/// TimeDistributed: runs the inner layer on (batch·time, ...) and reshapes back to (batch, time, ...). The input mask
/// passes through (Keras TimeDistributed supports masking).
/// </summary>
internal sealed class TimeDistributedRunner<T>(string name, LayerRunner<T> inner) : LayerRunner<T>(name, "TimeDistributed")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override bool PropagatesMask => true;

    private static int[] Fold(int[] x)
    {
        if (x.Length < 3) throw new ShapeMismatchException($"TimeDistributed expects (batch, time, ...); got ({string.Join(", ", x)})");
        return [x[0] * x[1], .. x[2..]];
    }

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        if (x.Length < 3) throw new ShapeMismatchException($"layer '{Name}' (TimeDistributed) expects (batch, time, ...); got {ShapeText(x)}");
        var inner1 = inner.OutputShapes([Fold(x)]);
        return [.. inner1.Select(s => (int[])[x[0], x[1], .. s[1..]])];
    }

    public override object? CreateWorkspace(int[][] inputShapes)
    {
        var folded = Fold(inputShapes[0]);
        var outShapes = inner.OutputShapes([folded]);
        var ins = new[] { new Slot<T>() };
        ins[0].Resize(folded);
        var outs = outShapes.Select(s => { var slot = new Slot<T>(); slot.Resize(s); return slot; }).ToArray();
        return (ins, outs, inner.CreateWorkspace([folded]));
    }

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var (ins, outs, innerWs) = ((Slot<T>[], Slot<T>[], object?))workspace!;
        inputs[0].Data.CopyTo(ins[0].Data);
        inner.Run(ins, outs, innerWs, state);
        for (int k = 0; k < outs.Length; k++) outs[k].Data.CopyTo(outputs[k].Data);
    }
}
