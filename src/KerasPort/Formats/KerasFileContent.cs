using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Formats;

/// <summary>The on-disk layout a model file was read from.</summary>
public enum ModelFileFormat
{
    /// <summary>Legacy HDF5 full model (<c>model.save('x.h5')</c>): config and weights.</summary>
    Hdf5FullModel,
    /// <summary>Legacy HDF5 <c>save_weights</c> file: weights grouped by layer name, no config.</summary>
    Hdf5Weights,
    /// <summary>Keras 3 / tf.keras 2.13+ <c>.keras</c> zip archive.</summary>
    KerasArchive,
    /// <summary>Keras 3 <c>.weights.h5</c>: weights grouped by layer order, no config.</summary>
    KerasV3Weights,
    /// <summary>An architecture JSON (<c>model.to_json()</c> or <c>config.json</c>) without weights.</summary>
    JsonConfig,
}

/// <summary>
/// What a file holds, before it is interpreted as a model: version strings, the raw model config and the weights.
/// Produced by the format readers in <c>KerasPort.Formats</c>; consumed by the model builder.
/// </summary>
internal sealed class KerasFileContent
{
    public required string Path { get; init; }
    public required ModelFileFormat Format { get; init; }
    /// <summary><c>keras_version</c> as stored (e.g. "1.2.2", "2.2.4-tf", "3.8.0"); null when the file has none.</summary>
    public string? KerasVersion { get; init; }
    /// <summary><c>backend</c> as stored ("tensorflow", "theano", "jax"); null when absent.</summary>
    public string? Backend { get; init; }
    /// <summary>The model config: an object with <c>class_name</c> and <c>config</c> (Keras 3 adds <c>module</c>, <c>registered_name</c>); null for weights-only files.</summary>
    public JObject? ModelConfig { get; init; }
    /// <summary>The weights; null for a config-only file.</summary>
    public WeightSet? Weights { get; init; }
}

/// <summary>The stored weights of a file, addressable by layer.</summary>
internal abstract class WeightSet
{
}

/// <summary>
/// Legacy HDF5 weights (Keras 1/2, tf.keras, Keras 3 <c>.h5</c>): one entry per name in <c>layer_names</c>, each holding the
/// tensors listed in that layer's <c>weight_names</c>, in that order (which is Keras's <c>layer.weights</c> order).
/// </summary>
internal sealed class LegacyWeightSet : WeightSet
{
    public required IReadOnlyList<string> LayerNames { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyList<WeightTensor>> ByLayer { get; init; }
}

/// <summary>
/// Keras 3 weights (<c>model.weights.h5</c> inside a <c>.keras</c>, or <c>.weights.h5</c>): a tree of groups
/// (<c>layers/&lt;auto&gt;/cell/vars/0</c>...), where <c>&lt;auto&gt;</c> is the snake_cased class name uniquified in layer order.
/// </summary>
internal sealed class V3WeightSet : WeightSet
{
    public required V3WeightGroup Root { get; init; }
}

/// <summary>One group of a Keras 3 weights file: its <c>vars</c> (sorted numerically) and its child groups.</summary>
internal sealed class V3WeightGroup
{
    public required string Name { get; init; }
    /// <summary>The <c>name</c> attribute of the <c>vars</c> group (Keras ≥ 3.6), when present.</summary>
    public string? ObjectName { get; init; }
    public required IReadOnlyList<WeightTensor> Vars { get; init; }
    public required IReadOnlyDictionary<string, V3WeightGroup> Children { get; init; }
}
