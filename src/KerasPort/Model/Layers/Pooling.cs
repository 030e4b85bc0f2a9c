using KerasPort.Model.Config;

namespace KerasPort.Model.Layers;

/// <summary>MaxPooling1D / AveragePooling1D.</summary>
public sealed class Pooling1DLayer : Layer
{
    internal Pooling1DLayer(LayerConfig c, bool isMax) : base(c)
    {
        IsMax = isMax;
        PoolSize = c.Int("pool_size", 2);
        Strides = c.IntOrNull("strides") ?? PoolSize;
        Padding = c.String("padding", "valid");
        DataFormat = c.String("data_format", "channels_last");
    }

    /// <summary>True for MaxPooling1D, false for AveragePooling1D.</summary>
    public bool IsMax { get; }
    /// <summary><c>pool_size</c> (default 2).</summary>
    public int PoolSize { get; }
    /// <summary><c>strides</c> (default pool_size).</summary>
    public int Strides { get; }
    /// <summary><c>padding</c>: valid or same.</summary>
    public string Padding { get; }
    /// <summary><c>data_format</c>.</summary>
    public string DataFormat { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3, 3);
        var x = inputs[0];
        var len = Conv1DLayer.OutputLength(x[1], PoolSize, Padding, Strides, 1);
        if (len is <= 0) throw InputMismatch($"input {Shapes.Format(x)} is shorter than pool_size {PoolSize}");
        return [[x[0], len, x[2]]];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (DataFormat is not ("channels_last" or "channels_first")) context.Refuse(StoredClassName, Name, "data_format", $"data_format '{DataFormat}' is not supported");
        if (Padding is not ("valid" or "same")) context.Refuse(StoredClassName, Name, "padding", $"padding '{Padding}' is not supported");
    }
}

/// <summary>GlobalMaxPooling1D / GlobalAveragePooling1D: reduce over the time axis.</summary>
public sealed class GlobalPooling1DLayer : Layer
{
    internal GlobalPooling1DLayer(LayerConfig c, bool isMax) : base(c)
    {
        IsMax = isMax;
        DataFormat = c.String("data_format", "channels_last");
        KeepDims = c.Bool("keepdims", false);
    }

    /// <summary>True for max, false for average.</summary>
    public bool IsMax { get; }
    /// <summary><c>data_format</c>.</summary>
    public string DataFormat { get; }
    /// <summary><c>keepdims</c>: keep the time axis with length 1.</summary>
    public bool KeepDims { get; }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3, 3);
        var x = inputs[0];
        return [KeepDims ? [x[0], 1, x[2]] : [x[0], x[2]]];
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (DataFormat is not ("channels_last" or "channels_first")) context.Refuse(StoredClassName, Name, "data_format", $"data_format '{DataFormat}' is not supported");
    }
}
