using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace KerasPort.Runtime;

/// <summary>What a model input accepts: its name and shape (batch first; null = any size).</summary>
internal sealed record InputSpec(string Name, int?[] Shape);

/// <summary>
/// A model compiled for element type <typeparamref name="T"/>: validates inputs against the model's input specs, runs
/// the plan in a pooled frame and copies the outputs out. Thread-safe; allocation-free when the caller supplies outputs.
/// </summary>
internal sealed class CompiledModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static int[][]? t_shapes;

    public CompiledModel(ExecutionPlan<T> plan, IReadOnlyList<InputSpec> inputs, IReadOnlyList<string> outputNames)
    {
        Plan = plan;
        Inputs = inputs;
        OutputNames = outputNames;
    }

    public ExecutionPlan<T> Plan { get; }
    public IReadOnlyList<InputSpec> Inputs { get; }
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>The slot of each layer call's first output, by layer path (first call of shared layers), for per-layer checks.</summary>
    public IReadOnlyDictionary<string, int> LayerOutputSlots { get; init; } = new Dictionary<string, int>();

    /// <summary>Runs the model on one tensor per input; returns the frame holding the outputs (the caller must return it to the plan).</summary>
    public ExecutionPlan<T>.Frame RunTensors(ReadOnlySpan<Tensor<T>> inputs)
    {
        var shapes = ShapesOf(inputs);
        var frame = Plan.Rent(shapes);
        try
        {
            for (int i = 0; i < inputs.Length; i++) inputs[i].FlattenTo(frame.Slots[i].Data);
            Plan.Execute(frame);
            return frame;
        }
        catch
        {
            Plan.Return(frame);
            throw;
        }
    }

    /// <summary>Output slot k of a frame.</summary>
    public Slot<T> Output(ExecutionPlan<T>.Frame frame, int k) => frame.Slots[Plan.OutputSlots[k]];

    /// <summary>Runs the model on one flat input and returns the frame to read outputs from (caller must return it).</summary>
    public ExecutionPlan<T>.Frame RunFlat(ReadOnlySpan<T> input, ReadOnlySpan<int> shape)
    {
        if (Inputs.Count != 1)
            throw new InvalidModelArgumentException($"the model has {Inputs.Count} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}); pass one tensor per input");
        var shapes = Scratch(1);
        if (shapes[0].Length != shape.Length) shapes[0] = new int[shape.Length];
        shape.CopyTo(shapes[0]);
        Validate(0, shapes[0]);
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n != input.Length)
            throw new ShapeMismatchException($"input '{Inputs[0].Name}': shape ({string.Join(", ", shape.ToArray())}) holds {n} values but {input.Length} were given");
        var frame = Plan.Rent(shapes);
        try
        {
            input.CopyTo(frame.Slots[0].Data);
            Plan.Execute(frame);
            return frame;
        }
        catch
        {
            Plan.Return(frame);
            throw;
        }
    }

    private int[][] ShapesOf(ReadOnlySpan<Tensor<T>> inputs)
    {
        if (inputs.Length != Inputs.Count)
            throw new InvalidModelArgumentException($"the model has {Inputs.Count} input(s) ({string.Join(", ", Inputs.Select(i => i.Name))}) but {inputs.Length} tensor(s) were given");
        var shapes = Scratch(inputs.Length);
        for (int i = 0; i < inputs.Length; i++)
        {
            var lengths = inputs[i].Lengths;
            if (shapes[i].Length != lengths.Length) shapes[i] = new int[lengths.Length];
            for (int d = 0; d < lengths.Length; d++) shapes[i][d] = checked((int)lengths[d]);
            Validate(i, shapes[i]);
        }
        return shapes;
    }

    /// <summary>Checks caller-given shapes against the model inputs.</summary>
    public int[][] ValidateShapes(int[][] shapes)
    {
        if (shapes.Length != Inputs.Count)
            throw new InvalidModelArgumentException($"the model has {Inputs.Count} input(s) ({string.Join(", ", Inputs.Select(i => i.Name))}) but {shapes.Length} shape(s) were given");
        for (int i = 0; i < shapes.Length; i++) Validate(i, shapes[i]);
        return shapes;
    }

    private static int[][] Scratch(int count)
    {
        var s = t_shapes;
        if (s is null || s.Length != count)
        {
            s = new int[count][];
            for (int i = 0; i < count; i++) s[i] = [];
            t_shapes = s;
        }
        return s;
    }

    private void Validate(int index, int[] shape)
    {
        var spec = Inputs[index];
        bool ok = shape.Length == spec.Shape.Length;
        for (int d = 0; ok && d < shape.Length; d++)
            ok = shape[d] > 0 && (spec.Shape[d] is null || spec.Shape[d] == shape[d]);
        if (!ok)
            throw new ShapeMismatchException(
                $"input '{spec.Name}' expects shape ({string.Join(", ", spec.Shape.Select(d => d?.ToString() ?? "None"))}) but got ({string.Join(", ", shape)})");
    }

    /// <summary>Copies a slot into a dense tensor of the same shape.</summary>
    public static void CopyOut(Slot<T> slot, Tensor<T> destination, string name)
    {
        var lengths = destination.Lengths;
        bool ok = destination.IsDense && lengths.Length == slot.Shape.Length;
        for (int d = 0; ok && d < lengths.Length; d++) ok = lengths[d] == slot.Shape[d];
        if (!ok)
            throw new ShapeMismatchException($"output '{name}' has shape ({string.Join(", ", slot.Shape)}); the destination tensor has shape ({string.Join(", ", lengths.ToArray())}){(destination.IsDense ? "" : " and is not dense")}");
        var span = MemoryMarshal.CreateSpan(ref destination.GetPinnableReference(), checked((int)destination.FlattenedLength));
        slot.Data.CopyTo(span);
    }
}
