using KerasPort.Formats;
using KerasPort.Model.Graph;
using KerasPort.Model.Layers;

namespace KerasPort.Model.Weights;

/// <summary>Binds a file's stored weights to a parsed model: legacy sets by layer name, Keras 3 sets by layer order and class.</summary>
internal static class WeightBinder
{
    /// <summary>True when the layer (or anything inside it) owns weights.</summary>
    public static bool HasWeights(Layer layer) => layer switch
    {
        RecurrentLayer r => r.Cells.Any(c => c is not CustomRecurrentCell { IsBuilt: true, DeclaredWeights.Count: 0 }),
        BidirectionalLayer => true,
        TimeDistributedLayer td => HasWeights(td.Inner),
        ModelLayer m => m.Layers.Any(HasWeights),
        _ => layer.WeightSlots.Count > 0,
    };

    /// <summary>(trainable, non-trainable) weight counts, as Keras splits them for a nested model's legacy weights.</summary>
    public static (int Trainable, int NonTrainable) Counts(Layer layer)
    {
        (int, int) raw = layer switch
        {
            RecurrentLayer r => (r.Cells.Sum(c => c.Slots(c.InputDim).Count(s => s.Trainable)), r.Cells.Sum(c => c.Slots(c.InputDim).Count(s => !s.Trainable))),
            BidirectionalLayer b => Add(Counts(b.Forward), Counts(b.Backward)),
            TimeDistributedLayer td => Counts(td.Inner),
            ModelLayer m => m.Layers.Select(Counts).Aggregate((0, 0), Add),
            _ => (layer.WeightSlots.Count(s => s.Trainable), layer.WeightSlots.Count(s => !s.Trainable)),
        };
        return layer.Trainable ? raw : (0, raw.Item1 + raw.Item2);
    }

    private static (int, int) Add((int, int) a, (int, int) b) => (a.Item1 + b.Item1, a.Item2 + b.Item2);

    /// <summary>Binds the whole model and checks that no stored weight was left over.</summary>
    public static void Bind(ModelSpec model, WeightSet set, string file)
    {
        var ledger = new BindingLedger();
        switch (set)
        {
            case LegacyWeightSet legacy:
                BindLegacy(model, legacy, file, ledger);
                break;
            case V3WeightSet v3:
                var root = new V3WeightSource(file, "", v3.Root, ledger);
                var layers = root.Child("layers");
                if (layers is null)
                {
                    if (model.Layers.Any(HasWeights))
                        throw new MissingWeightsException($"{file}: the weights file has no 'layers' group");
                    return;
                }
                BindV3Layers(model.Layers, layers, null);
                ReportUnused(layers, ledger, file);
                break;
            default:
                throw new InvalidOperationException("unknown weight set " + set.GetType().Name);
        }
    }

    private static void BindLegacy(ModelSpec model, LegacyWeightSet set, string file, BindingLedger ledger)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in model.Layers)
        {
            known.Add(layer.Name);
            bool has = set.ByLayer.TryGetValue(layer.Name, out var tensors) && set.LayerNames.Contains(layer.Name);
            if (!has)
            {
                if (HasWeights(layer))
                    throw new MissingWeightsException($"{file}: layer '{layer.Name}' ({layer.StoredClassName}) has weights but the file has no layer group '{layer.Name}' (layer_names: {string.Join(", ", set.LayerNames)})");
                continue;
            }
            if (!HasWeights(layer))
            {
                if (tensors!.Count > 0)
                    throw new CorruptModelFileException($"{file}: layer '{layer.Name}' ({layer.StoredClassName}) has no weights but the file stores {LegacyWeightSource.Describe(tensors)} for it");
                continue;
            }
            layer.Bind(new LegacyWeightSource(file, $"layer group '{layer.Name}'", tensors!, ledger));
        }
        foreach (var name in set.LayerNames)
        {
            if (known.Contains(name)) continue;
            if (set.ByLayer.TryGetValue(name, out var ts) && ts.Count > 0)
                throw new CorruptModelFileException($"{file}: the file stores weights for layer '{name}' ({LegacyWeightSource.Describe(ts)}), which the model config does not have");
        }
    }

    /// <summary>Keras 3: <c>layers/&lt;auto&gt;</c>, auto = snake_case(class) uniquified in <c>model.layers</c> order.</summary>
    public static void BindV3Layers(IReadOnlyList<Layer> layers, V3WeightSource layersGroup, Layer? owner)
    {
        var names = KerasNaming.ContainerNames(layers.Select(l => l.StoredClassName));
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var child = layersGroup.Child(names[i]);
            if (child is null)
            {
                if (HasWeights(layer))
                    throw new MissingWeightsException(
                        $"{layersGroup.File}: layer '{layer.Name}' ({layer.StoredClassName}){(owner is null ? "" : $" in '{owner.Name}'")} has weights but the weights file has no group '{layersGroup.Location}/{names[i]}' " +
                        $"(groups: {string.Join(", ", layersGroup.Group.Children.Keys)})");
                continue;
            }
            if (!HasWeights(layer))
            {
                if (child.Group.Vars.Count > 0)
                    throw child.Extra(layer, child.Group.Vars);
                continue;
            }
            layer.Bind(child);
        }
    }

    /// <summary>Legacy weights of a nested model: Keras stores all its trainable weights (layer after layer), then all non-trainable ones.</summary>
    public static void BindNestedLegacy(ModelLayer model, LegacyWeightSource source)
    {
        var layers = model.Layers.Where(HasWeights).ToList();
        var counts = layers.Select(Counts).ToList();
        int total = counts.Sum(c => c.Trainable + c.NonTrainable);
        if (source.Tensors.Count != total)
            throw new MissingWeightsException($"{source.File}: nested model '{model.Name}' expects {total} weight tensors but {source.Location} holds {source.Tensors.Count}: {LegacyWeightSource.Describe(source.Tensors)}");
        int t = 0, nt = counts.Sum(c => c.Trainable);
        for (int i = 0; i < layers.Count; i++)
        {
            var own = source.Tensors.Skip(t).Take(counts[i].Trainable).Concat(source.Tensors.Skip(nt).Take(counts[i].NonTrainable)).ToList();
            t += counts[i].Trainable;
            nt += counts[i].NonTrainable;
            layers[i].Bind(source.Subset(own, $"layer '{layers[i].Name}'"));
        }
    }

    private static void ReportUnused(V3WeightSource group, BindingLedger ledger, string file)
    {
        if (ledger.IsIgnored(group.Group)) return;
        var unused = group.Group.Vars.Where(v => !ledger.IsUsed(v)).ToList();
        if (unused.Count > 0)
            throw new CorruptModelFileException($"{file}: weights at {group.Location}/vars ({LegacyWeightSource.Describe(unused)}) belong to no layer of the model config");
        foreach (var name in group.Group.Children.Keys)
            ReportUnused(group.Child(name)!, ledger, file);
    }
}
