using KerasPort.Model.Config;

namespace KerasPort.Model.Layers;

/// <summary>Flatten: (batch, d1, d2, …) → (batch, d1·d2·…).</summary>
public sealed class FlattenLayer : Layer
{
    internal FlattenLayer(LayerConfig c) : base(c) => DataFormat = c.String("data_format", "channels_last");

    /// <summary><c>data_format</c>; channels_first reorders before flattening.</summary>
    public string DataFormat { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        var x = inputs[0];
        int? n = 1;
        for (int i = 1; i < x.Length; i++) n = n is int a && x[i] is int b ? a * b : null;
        return [[x[0], n]];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
    }
}

/// <summary>Reshape: to <see cref="TargetShape"/> (batch excluded; one -1 entry is inferred).</summary>
public sealed class ReshapeLayer : Layer
{
    internal ReshapeLayer(LayerConfig c) : base(c) =>
        TargetShape = c.IntList("target_shape") ?? throw new CorruptModelFileException($"{c.Context.File}: layer '{c.Name}' (Reshape) has no target_shape");

    /// <summary><c>target_shape</c>.</summary>
    public int[] TargetShape { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        var x = inputs[0];
        long? total = 1;
        for (int i = 1; i < x.Length; i++) total = total is long a && x[i] is int b ? a * b : null;
        var result = new int?[TargetShape.Length + 1];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < TargetShape.Length; i++)
        {
            if (TargetShape[i] == -1)
            {
                if (unknown >= 0) throw InputMismatch("target_shape has more than one -1");
                unknown = i;
            }
            else
            {
                known *= TargetShape[i];
                result[i + 1] = TargetShape[i];
            }
        }
        if (unknown >= 0)
        {
            if (total is long t)
            {
                if (known == 0 || t % known != 0)
                    throw InputMismatch($"cannot reshape {Shapes.Format(x)} to ({string.Join(", ", TargetShape)})");
                result[unknown + 1] = (int)(t / known);
            }
        }
        else if (total is long t && t != known)
            throw InputMismatch($"cannot reshape {Shapes.Format(x)} ({t} values) to ({string.Join(", ", TargetShape)}) ({known} values)");
        result[0] = x[0];
        return [result];
    }
}

/// <summary>Permute: reorders the non-batch axes by <see cref="Dims"/> (1-based).</summary>
public sealed class PermuteLayer : Layer
{
    internal PermuteLayer(LayerConfig c) : base(c) =>
        Dims = c.IntList("dims") ?? throw new CorruptModelFileException($"{c.Context.File}: layer '{c.Name}' (Permute) has no dims");

    /// <summary><c>dims</c>: a permutation of 1..rank-1.</summary>
    public int[] Dims { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        var x = inputs[0];
        if (Dims.Length != x.Length - 1 || Dims.OrderBy(d => d).Where((d, i) => d != i + 1).Any())
            throw InputMismatch($"dims ({string.Join(", ", Dims)}) is not a permutation of the axes of {Shapes.Format(x)}");
        return [[x[0], .. Dims.Select(d => x[d])]];
    }
}

/// <summary>RepeatVector: (batch, features) → (batch, n, features).</summary>
public sealed class RepeatVectorLayer : Layer
{
    internal RepeatVectorLayer(LayerConfig c) : base(c) => N = c.RequiredInt("n");

    /// <summary><c>n</c>: the number of repetitions.</summary>
    public int N { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 2, 2);
        return [[inputs[0][0], N, inputs[0][1]]];
    }
}
