using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using KerasPort.Compute.Recurrent;
using KerasPort.Model;
using Newtonsoft.Json.Linq;

namespace KerasPort.Cells;

/// <summary>
/// Maps Keras class names of user-defined RNN cells to factories, like Keras's <c>custom_objects</c>.
/// <see cref="Global"/> applies to every load; a registry passed with one load's options is searched first.
/// A name registered as <c>package&gt;Name</c> also matches a Keras 3 config's <c>registered_name</c>.
/// </summary>
/// <example><code>
/// CustomCellRegistry.Global.Register("SLSTMCell", ctx => new SLstmCell(ctx));
/// </code></example>
public sealed class CustomCellRegistry
{
    private readonly Dictionary<string, Func<CustomCellContext, CustomCell>> _factories = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The process-wide registry every model load consults.</summary>
    public static CustomCellRegistry Global { get; } = new();

    /// <summary>Registers (or replaces) the factory for a Keras class name; returns this registry for chaining.</summary>
    /// <param name="className">The cell's Keras class name, as in the config's <c>class_name</c> (or a <c>registered_name</c> such as <c>Custom&gt;SLSTMCell</c>).</param>
    /// <param name="factory">Builds the cell from its config and weights.</param>
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
    /// <paramref name="perLoad"/> first, then <see cref="Global"/>; for each, the registered_name, then the class_name.
    /// </summary>
    internal static Func<CustomCellContext, CustomCell>? Resolve(JObject cellSpec, CustomCellRegistry? perLoad)
    {
        var className = cellSpec.Value<string>("class_name");
        var registeredName = cellSpec["registered_name"]?.Type == JTokenType.String ? cellSpec.Value<string>("registered_name") : null;
        foreach (var registry in perLoad is null ? [Global] : new[] { perLoad, Global })
        {
            if (registeredName is not null && registry.TryGetFactory(registeredName, out var f)) return f;
            if (className is not null && registry.TryGetFactory(className, out f)) return f;
        }
        return null;
    }

    /// <summary>
    /// The model loader's hook: builds the recurrent cell for a serialized custom cell, or returns null when no factory is
    /// registered for it (the loader then reports the layer as unsupported).
    /// </summary>
    /// <param name="cellSpec">The RNN layer config's <c>cell</c> entry.</param>
    /// <param name="layerName">The RNN layer's name.</param>
    /// <param name="inputSize">Features per time step.</param>
    /// <param name="weights">The layer's weights in stored order.</param>
    /// <param name="perLoad">The registry passed with this load's options, or null.</param>
    /// <param name="kerasVersion">The file's keras_version, or null.</param>
    internal static IRecurrentCell<T>? TryCreate<T>(JObject cellSpec, string layerName, int inputSize, IReadOnlyList<WeightTensor> weights,
        CustomCellRegistry? perLoad, string? kerasVersion) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var factory = Resolve(cellSpec, perLoad);
        if (factory is null) return null;
        var className = cellSpec.Value<string>("class_name") ?? "?";
        var config = cellSpec["config"] as JObject ?? new JObject();
        var context = new CustomCellContext(className, config, inputSize, weights, layerName, kerasVersion);
        CustomCell cell;
        try
        {
            cell = factory(context) ?? throw new InvalidModelArgumentException($"layer '{layerName}': the factory registered for {className} returned null");
        }
        catch (KerasPortException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new InvalidModelArgumentException($"layer '{layerName}': the factory registered for {className} failed: {e.Message}", e);
        }
        return new CustomCellAdapter<T>(cell, inputSize, $"layer '{layerName}' ({className})");
    }
}
