using KerasPort.Cells;
using KerasPort.Model.Config;
using KerasPort.Model.Weights;
using Newtonsoft.Json.Linq;

namespace KerasPort.Model.Layers;

/// <summary>
/// A user-defined cell of an <c>RNN</c> layer, resolved by its Keras class name in a <see cref="CustomCellRegistry"/>.
/// Loaded in Keras's own order: the factory is found when the config is read; the cell is constructed from its config
/// and built with the layer's input width when the graph's shapes are inferred (so its state sizes and output size are
/// known before any weight is read); its stored weights are loaded into the weights it declared when the file's weights
/// are bound (by name when the stored names identify them, by position otherwise; shapes checked).
/// </summary>
public sealed class CustomRecurrentCell : RecurrentCell
{
    private readonly Func<CustomCellContext, CustomCell> _factory;
    private CustomCellContext? _context;
    private CustomCell? _cell;

    internal CustomRecurrentCell(LayerConfig c, JObject entry, Func<CustomCellContext, CustomCell> factory) : base(c, sizesFromCell: true)
    {
        _factory = factory;
        Config = c.Config;
        RegisteredName = entry["registered_name"] is { Type: JTokenType.String } r ? (string?)r : null;
    }

    /// <inheritdoc />
    public override RecurrentKind Kind => RecurrentKind.Custom;

    /// <summary>The cell's <c>config</c> object as stored.</summary>
    public JObject Config { get; }

    /// <summary>The Keras 3 <c>registered_name</c> (e.g. <c>my_package&gt;MyCell</c>), when the file stores one.</summary>
    public string? RegisteredName { get; }

    /// <summary>Whether the cell has been constructed and built (the layer was called in the model's graph).</summary>
    public bool IsBuilt => _cell is not null;

    /// <summary>The cell the registered factory built.</summary>
    /// <exception cref="InvalidModelArgumentException">The layer was never built (it is not called in the model's graph).</exception>
    public CustomCell Cell => _cell ?? throw NotBuilt();

    /// <summary>The weights the cell declared, in Keras's <c>cell.weights</c> order (values present once the file's weights were bound).</summary>
    public IReadOnlyList<CellWeight> DeclaredWeights => _context?.Weights ?? [];

    /// <summary>The cell's output size.</summary>
    public override int Units => Cell.OutputSize;

    /// <summary>The cell's state sizes, in Keras's <c>state_size</c> order.</summary>
    public override IReadOnlyList<int> StateSizes => Cell.StateSizes;

    private string Where(Layer owner) => $"{Context.File}: layer '{owner.Name}' ({owner.StoredClassName}) with cell {ClassName}";

    /// <summary>Constructs and builds the cell for <see cref="RecurrentCell.InputDim"/> input features (Keras: <c>cell.build(step_input_shape)</c>).</summary>
    internal void Build(Layer owner)
    {
        if (_cell is not null) return;
        if (InputDim is not int inputDim)
            throw new ShapeMismatchException($"{Where(owner)}: the input's feature axis is unknown (None); a custom cell is built for a known input width");
        var context = new CustomCellContext(ClassName, Config, inputDim, owner.Name, Context.KerasVersion);
        _cell = CustomCellRegistry.Build(_factory, context, Where(owner));
        _context = context;
    }

    internal override IReadOnlyList<WeightSlot> Slots(int? inputDim) =>
        DeclaredWeights.Select(w => new WeightSlot(w.Name, [.. w.Shape.Select(d => (int?)d)], Trainable: w.Trainable)).ToList();

    internal override void Bind(Layer owner, WeightSource source, string? v3Subgroup)
    {
        var context = _context ?? throw NotBuilt();
        IReadOnlyList<WeightTensor> stored;
        string location;
        switch (source)
        {
            case LegacyWeightSource legacy:
                stored = legacy.Tensors;
                location = legacy.Location;
                break;
            case V3WeightSource v3:
            {
                var group = v3Subgroup is null ? v3 : v3.Child(v3Subgroup);
                if (group is null && context.Weights.Count > 0) throw v3.Missing(owner, $"weights group '{v3Subgroup}' of cell {ClassName}");
                stored = group?.Group.Vars ?? [];
                location = (group ?? v3).Location + "/vars";
                break;
            }
            default:
                throw new InvalidOperationException("unknown weight source " + source.GetType().Name);
        }
        StoredWeights = context.LoadWeights(stored, $"{Where(owner)}: weights at {location}");
        source.Ledger.Use(stored);
    }

    private InvalidModelArgumentException NotBuilt() =>
        new($"{Context.File}: custom cell {ClassName} ('{Name}') was never built: its RNN layer is not called in the model's graph");
}
