using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using KerasPort.Compute.Recurrent;
using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Cells;

/// <summary>
/// Maps Keras class names of user-defined RNN cells to factories, like Keras's <c>custom_objects</c>.
/// <see cref="Global"/> applies to every load; a registry passed with one load's options
/// (<see cref="KerasModelLoadOptions.CustomCells"/>) is searched first. A name registered as <c>package&gt;Name</c> also
/// matches a Keras 3 config's <c>registered_name</c>; a bare <c>Name</c> also matches <c>package&gt;Name</c>.
/// </summary>
/// <example><code>
/// CustomCellRegistry.Global.Register("SLSTMCell", ctx => new SLstmCell(ctx));
/// var model = KerasModel.Load("slstm.h5");
/// // or, for one load only:
/// var cells = new CustomCellRegistry().Register("my_package>SLSTMCell", ctx => new SLstmCell(ctx));
/// var model2 = KerasModel.Load("slstm.keras", new KerasModelLoadOptions { CustomCells = cells });
/// </code></example>
public sealed class CustomCellRegistry
{
    private readonly Dictionary<string, Func<CustomCellContext, CustomCell>> _factories = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The process-wide registry every model load consults.</summary>
    public static CustomCellRegistry Global { get; } = new();

    /// <summary>Registers (or replaces) the factory for a Keras class name; returns this registry for chaining.</summary>
    /// <param name="className">The cell's Keras class name, as in the config's <c>class_name</c> (or a <c>registered_name</c> such as <c>Custom&gt;SLSTMCell</c>).</param>
    /// <param name="factory">Constructs the cell from its config and builds it for the context's input size, declaring its
    /// weights with <see cref="CustomCellContext.AddWeight"/> (their values are loaded afterwards).</param>
    public CustomCellRegistry Register(string className, Func<CustomCellContext, CustomCell> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (_lock) _factories[className] = factory;
        return this;
    }

    /// <summary>Removes a registration; false when the name was not registered.</summary>
    public bool Remove(string className)
    {
        lock (_lock) return _factories.Remove(className);
    }

    /// <summary>Whether a factory is registered for the name.</summary>
    public bool Contains(string className)
    {
        lock (_lock) return _factories.ContainsKey(className);
    }

    /// <summary>The registered names (a snapshot).</summary>
    public IReadOnlyCollection<string> ClassNames
    {
        get { lock (_lock) return [.. _factories.Keys]; }
    }

    /// <summary>The factory registered for the name, if any.</summary>
    public bool TryGetFactory(string className, [NotNullWhen(true)] out Func<CustomCellContext, CustomCell>? factory)
    {
        lock (_lock) return _factories.TryGetValue(className, out factory);
    }

    /// <summary>
    /// Finds the factory for a serialized cell (<c>{"class_name": ..., "config": ..., "registered_name"?: ...}</c>):
    /// <paramref name="perLoad"/> first, then <see cref="Global"/>; for each, the registered_name, then the class_name
    /// (which tf.keras 2 writes as <c>package&gt;Name</c> for classes registered with a package), then the bare name after
    /// the last <c>&gt;</c> of either.
    /// </summary>
    internal static Func<CustomCellContext, CustomCell>? Resolve(JObject cellSpec, CustomCellRegistry? perLoad)
    {
        var className = cellSpec["class_name"]?.Type == JTokenType.String ? cellSpec.Value<string>("class_name") : null;
        var registeredName = cellSpec["registered_name"]?.Type == JTokenType.String ? cellSpec.Value<string>("registered_name") : null;
        var names = new List<string>(4);
        foreach (var n in new[] { registeredName, className })
            if (n is not null && !names.Contains(n)) names.Add(n);
        foreach (var n in new[] { registeredName, className })
            if (n is not null && n.LastIndexOf('>') is var gt && gt >= 0 && n[(gt + 1)..] is { Length: > 0 } bare && !names.Contains(bare)) names.Add(bare);
        foreach (var registry in perLoad is null ? [Global] : new[] { perLoad, Global })
            foreach (var n in names)
                if (registry.TryGetFactory(n, out var f)) return f;
        return null;
    }

    /// <summary>
    /// Constructs and builds a cell through its factory (Keras: <c>from_config</c>, then <c>build(input_shape)</c>), wrapping a
    /// factory's non-KerasPort exception in a typed error naming the layer, and checking what the cell declares.
    /// </summary>
    /// <exception cref="KerasPortException">The factory failed, returned null, or the cell declares invalid sizes.</exception>
    internal static CustomCell Build(Func<CustomCellContext, CustomCell> factory, CustomCellContext context, string where)
    {
        CustomCell? cell;
        try
        {
            cell = factory(context);
        }
        catch (KerasPortException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new InvalidModelArgumentException($"{where}: the factory registered for {context.ClassName} failed: {e.Message}", e);
        }
        if (cell is null) throw new InvalidModelArgumentException($"{where}: the factory registered for {context.ClassName} returned null");
        CustomCellAdapter<double>.Validate(cell, where);
        return cell;
    }

    /// <summary>
    /// Resolves, constructs, builds and loads a serialized custom cell in one go, or returns null when no factory is
    /// registered for it. The model loader performs the same steps spread over parsing, shape inference and weight binding.
    /// </summary>
    /// <param name="cellSpec">The RNN layer config's <c>cell</c> entry.</param>
    /// <param name="layerName">The RNN layer's name.</param>
    /// <param name="inputSize">Features per time step.</param>
    /// <param name="weights">The cell's stored weights, in file order.</param>
    /// <param name="perLoad">A registry searched before the global one, or null.</param>
    /// <param name="kerasVersion">The file's keras_version, or null.</param>
    internal static IRecurrentCell<T>? TryCreate<T>(JObject cellSpec, string layerName, int inputSize, IReadOnlyList<WeightTensor> weights,
        CustomCellRegistry? perLoad, string? kerasVersion) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var factory = Resolve(cellSpec, perLoad);
        if (factory is null) return null;
        var className = cellSpec.Value<string>("class_name") ?? "?";
        var config = cellSpec["config"] as JObject ?? new JObject();
        var context = new CustomCellContext(className, config, inputSize, layerName, kerasVersion);
        string where = $"layer '{layerName}' ({className})";
        var cell = Build(factory, context, where);
        context.LoadWeights(weights, where);
        return new CustomCellAdapter<T>(cell, inputSize, where);
    }
}
