using KerasPort.Model.Config;

namespace KerasPort.Model.Layers;

/// <summary>The element-wise merge operations.</summary>
public enum MergeOperation
{
    /// <summary>Add (Keras 1 Merge mode 'sum').</summary>
    Add,
    /// <summary>Subtract: first minus second (exactly two inputs).</summary>
    Subtract,
    /// <summary>Multiply (Keras 1 'mul').</summary>
    Multiply,
    /// <summary>Average (Keras 1 'ave').</summary>
    Average,
    /// <summary>Maximum (Keras 1 'max').</summary>
    Maximum,
    /// <summary>Minimum.</summary>
    Minimum,
}

/// <summary>Add, Subtract, Multiply, Average, Maximum, Minimum: element-wise over inputs of one shape (with broadcasting of 1s).</summary>
public sealed class ElementwiseMergeLayer : Layer
{
    internal ElementwiseMergeLayer(LayerConfig c, MergeOperation op) : base(c) => Operation = op;

    /// <summary>The operation.</summary>
    public MergeOperation Operation { get; }

    internal override int MaxInputs => int.MaxValue;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        if (inputs.Count < (Operation == MergeOperation.Subtract ? 2 : 1) || (Operation == MergeOperation.Subtract && inputs.Count != 2))
            throw InputMismatch($"{Operation} needs {(Operation == MergeOperation.Subtract ? "exactly 2" : "at least 1")} inputs but gets {inputs.Count}");
        var result = (int?[])inputs[0].Clone();
        foreach (var s in inputs.Skip(1))
        {
            if (s.Length != result.Length)
                throw InputMismatch($"inputs of different ranks: {string.Join(", ", inputs.Select(i => Shapes.Format(i)))}");
            for (int i = 1; i < s.Length; i++)
            {
                if (result[i] is int a && s[i] is int b && a != b && a != 1 && b != 1)
                    throw InputMismatch($"inputs of incompatible shapes: {string.Join(", ", inputs.Select(i => Shapes.Format(i)))}");
                result[i] = result[i] == 1 ? s[i] : s[i] == 1 ? result[i] : result[i] ?? s[i];
            }
        }
        return [result];
    }
}

/// <summary>Concatenate (Keras 1 Merge mode 'concat'): joins the inputs along <see cref="Axis"/>.</summary>
public sealed class ConcatenateLayer : Layer
{
    internal ConcatenateLayer(LayerConfig c, int axis) : base(c) => Axis = axis;

    /// <summary><c>axis</c> (negative counts from the end; default -1).</summary>
    public int Axis { get; }

    internal override int MaxInputs => int.MaxValue;

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        if (inputs.Count < 1) throw InputMismatch("Concatenate needs at least one input");
        int rank = inputs[0].Length;
        int axis = Axis < 0 ? rank + Axis : Axis;
        if (axis <= 0 || axis >= rank) throw InputMismatch($"axis {Axis} is invalid for inputs of rank {rank}");
        var result = (int?[])inputs[0].Clone();
        foreach (var s in inputs.Skip(1))
        {
            if (s.Length != rank) throw InputMismatch($"inputs of different ranks: {string.Join(", ", inputs.Select(i => Shapes.Format(i)))}");
            for (int i = 1; i < rank; i++)
            {
                if (i == axis) result[i] = result[i] is int a && s[i] is int b ? a + b : null;
                else if (result[i] is int a && s[i] is int b && a != b)
                    throw InputMismatch($"inputs differ off the concatenation axis: {string.Join(", ", inputs.Select(x => Shapes.Format(x)))}");
                else result[i] ??= s[i];
            }
        }
        return [result];
    }
}
