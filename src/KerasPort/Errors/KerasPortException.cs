namespace KerasPort;

/// <summary>The category of a <see cref="KerasPortException"/>; the CLI prints it in snake_case.</summary>
public enum KerasErrorKind
{
    /// <summary>The file is neither HDF5 nor a zip archive, or holds no Keras model.</summary>
    NotKeras,
    /// <summary>The file is truncated or its structure is broken.</summary>
    Corrupt,
    /// <summary>The model uses a layer, option or format KerasPort does not support.</summary>
    Unsupported,
    /// <summary>A weight tensor the architecture needs is absent.</summary>
    MissingWeights,
    /// <summary>A weight or input tensor has another shape than expected.</summary>
    ShapeMismatch,
    /// <summary>The file could not be read (missing, permissions, I/O failure).</summary>
    Io,
    /// <summary>The caller passed arguments that do not fit the model (inputs, states, options).</summary>
    InvalidArgument,
}

/// <summary>Base class of every error KerasPort reports about a model file, its weights or its inputs.</summary>
public class KerasPortException : Exception
{
    /// <summary>Creates an exception of the given kind.</summary>
    public KerasPortException(KerasErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    /// <summary>What went wrong, as a category.</summary>
    public KerasErrorKind Kind { get; }

    /// <summary>The kind in snake_case, as the CLI's JSON output writes it.</summary>
    public string KindName => Kind switch
    {
        KerasErrorKind.NotKeras => "not_keras",
        KerasErrorKind.Corrupt => "corrupt",
        KerasErrorKind.Unsupported => "unsupported",
        KerasErrorKind.MissingWeights => "missing_weights",
        KerasErrorKind.ShapeMismatch => "shape_mismatch",
        KerasErrorKind.Io => "io",
        _ => "invalid_argument",
    };
}

/// <summary>The file is not a Keras model file (wrong magic bytes, no config, no weights).</summary>
public sealed class NotKerasFileException(string message, Exception? inner = null) : KerasPortException(KerasErrorKind.NotKeras, message, inner);

/// <summary>The file is truncated or structurally broken.</summary>
public sealed class CorruptModelFileException(string message, Exception? inner = null) : KerasPortException(KerasErrorKind.Corrupt, message, inner);

/// <summary>A weight tensor the architecture needs is missing from the file.</summary>
public sealed class MissingWeightsException(string message, Exception? inner = null) : KerasPortException(KerasErrorKind.MissingWeights, message, inner);

/// <summary>A tensor has a different shape than the architecture or the model's inputs require.</summary>
public sealed class ShapeMismatchException(string message, Exception? inner = null) : KerasPortException(KerasErrorKind.ShapeMismatch, message, inner);

/// <summary>The file could not be read from disk.</summary>
public sealed class ModelIOException(string message, Exception? inner = null) : KerasPortException(KerasErrorKind.Io, message, inner);

/// <summary>An argument passed to the API does not fit the model.</summary>
public sealed class InvalidModelArgumentException(string message, Exception? inner = null) : KerasPortException(KerasErrorKind.InvalidArgument, message, inner);

/// <summary>One unsupported feature found by the pre-flight check.</summary>
/// <param name="ClassName">The Keras class name of the layer (e.g. <c>ConvLSTM2D</c>).</param>
/// <param name="LayerName">The layer's name in the model config.</param>
/// <param name="Option">The unsupported option (e.g. <c>unroll</c>), or null when the whole layer is unsupported.</param>
/// <param name="Reason">A human-readable explanation.</param>
public sealed record UnsupportedFeature(string ClassName, string LayerName, string? Option, string Reason)
{
    /// <inheritdoc />
    public override string ToString() =>
        Option is null ? $"{LayerName} ({ClassName}): {Reason}" : $"{LayerName} ({ClassName}) option '{Option}': {Reason}";
}

/// <summary>The model uses layers or options KerasPort does not support; lists every one of them.</summary>
public sealed class UnsupportedModelException : KerasPortException
{
    /// <summary>Creates the exception from the full list of unsupported features.</summary>
    public UnsupportedModelException(string file, IReadOnlyList<UnsupportedFeature> features)
        : base(KerasErrorKind.Unsupported, BuildMessage(file, features)) => Features = features;

    /// <summary>Every unsupported layer and option found in the model.</summary>
    public IReadOnlyList<UnsupportedFeature> Features { get; }

    private static string BuildMessage(string file, IReadOnlyList<UnsupportedFeature> features) =>
        $"{file}: the model uses {features.Count} unsupported feature(s):" + string.Concat(features.Select(f => "\n  - " + f));
}
