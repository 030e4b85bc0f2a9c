namespace KerasPort;

/// <summary>Options of <see cref="KerasModel.Load(string, KerasModelLoadOptions?)"/>.</summary>
public sealed class KerasModelLoadOptions
{
    /// <summary>
    /// The Keras version whose conventions the config and weights follow (e.g. <c>"1.2.2"</c>, <c>"2.3.1"</c>, <c>"3.8.0"</c>),
    /// overriding the file's <c>keras_version</c>. Needed only for weights-only files whose config JSON records no version.
    /// </summary>
    public string? KerasVersion { get; init; }

    /// <summary>
    /// The element type predictions compute in. Null (the default) follows the model: float64 when its layers were saved
    /// with dtype float64, float32 otherwise.
    /// </summary>
    public ComputeType? ComputeType { get; init; }

    /// <summary>
    /// User-defined RNN cells for this load (Keras's <c>custom_objects</c>): an <c>RNN(cell=MyCell(...))</c> whose cell class is
    /// not built in is looked up here first, then in <see cref="Cells.CustomCellRegistry.Global"/>. Null (the default) uses the
    /// global registry alone.
    /// </summary>
    public Cells.CustomCellRegistry? CustomCells { get; init; }
}
