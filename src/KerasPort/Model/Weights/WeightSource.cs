using KerasPort.Formats;

namespace KerasPort.Model.Weights;

/// <summary>Where one layer's stored weights come from; hands them out matched against the layer's expected slots.</summary>
internal abstract class WeightSource
{
    private protected WeightSource(string file, string location, BindingLedger ledger)
    {
        File = file;
        Location = location;
        Ledger = ledger;
    }

    /// <summary>The file, for messages.</summary>
    public string File { get; }

    /// <summary>Where in the file the weights sit (e.g. <c>layer group 'lstm_1'</c>, <c>layers/lstm/cell/vars</c>).</summary>
    public string Location { get; }

    /// <summary>Records which stored tensors were used.</summary>
    public BindingLedger Ledger { get; }

    /// <summary>
    /// Returns the stored tensors for <paramref name="slots"/>, in slot order, after checking their shapes.
    /// <paramref name="subgroup"/> is the Keras 3 child group path holding the vars (<c>cell</c> for recurrent layers).
    /// </summary>
    public abstract IReadOnlyList<WeightTensor> Take(Layer layer, IReadOnlyList<WeightSlot> slots, string? subgroup);

    /// <summary>Checks a stored tensor against a slot's shape.</summary>
    public void CheckShape(Layer layer, WeightSlot slot, WeightTensor t, string? why = null)
    {
        bool ok = t.Shape.Length == slot.Shape.Length;
        for (int i = 0; ok && i < t.Shape.Length; i++)
            if (slot.Shape[i] is int d && d != t.Shape[i]) ok = false;
        if (!ok)
            throw new ShapeMismatchException(
                $"{File}: layer '{layer.Name}' ({layer.StoredClassName}): weight '{t.Name}' ({slot.Name}) at {Location} has shape {t.ShapeText} " +
                $"but the config implies {Shapes.Format(slot.Shape)}{(why is null ? "" : " (" + why + ")")}");
    }

    public MissingWeightsException Missing(Layer layer, string what) =>
        new($"{File}: layer '{layer.Name}' ({layer.StoredClassName}): {what} not found at {Location}");

    public CorruptModelFileException Extra(Layer layer, IEnumerable<WeightTensor> extra) =>
        new($"{File}: layer '{layer.Name}' ({layer.StoredClassName}): stored weight(s) {string.Join(", ", extra.Select(e => $"'{e.Name}' {e.ShapeText}"))} at {Location} do not belong to any weight the config implies");
}

/// <summary>The weights of one legacy HDF5 layer group, as listed by its <c>weight_names</c>.</summary>
internal sealed class LegacyWeightSource : WeightSource
{
    public LegacyWeightSource(string file, string location, IReadOnlyList<WeightTensor> tensors, BindingLedger ledger)
        : base(file, location, ledger) => Tensors = tensors;

    /// <summary>The stored tensors, in <c>weight_names</c> order.</summary>
    public IReadOnlyList<WeightTensor> Tensors { get; }

    /// <summary>A source over a subset of this group's tensors (one direction of a Bidirectional, one cell of a stack).</summary>
    public LegacyWeightSource Subset(IReadOnlyList<WeightTensor> tensors, string what) => new(File, $"{Location} ({what})", tensors, Ledger);

    /// <summary>True when the stored short name is the slot's name, or ends with its Keras 1 suffix (<c>dense_1_W</c>).</summary>
    public static bool Matches(WeightTensor t, WeightSlot slot)
    {
        var s = t.ShortName;
        if (s == slot.Name) return true;
        return slot.Keras1Suffix is not null && (s == slot.Keras1Suffix || s.EndsWith("_" + slot.Keras1Suffix, StringComparison.Ordinal));
    }

    public override IReadOnlyList<WeightTensor> Take(Layer layer, IReadOnlyList<WeightSlot> slots, string? subgroup)
    {
        var result = new WeightTensor[slots.Count];
        var used = new HashSet<WeightTensor>(ReferenceEqualityComparer.Instance);
        bool anyNamed = Tensors.Any(t => slots.Any(s => Matches(t, s)));
        if (!anyNamed && Tensors.Count == slots.Count)
        {
            // Unnamed weights (Keras writes param_<i> for nameless variables): Keras's own loader is positional here.
            for (int i = 0; i < slots.Count; i++)
            {
                CheckShape(layer, slots[i], Tensors[i]);
                result[i] = Tensors[i];
            }
            Ledger.Use(Tensors);
            return result;
        }
        for (int i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            var found = Tensors.Where(t => !used.Contains(t) && Matches(t, slot)).ToList();
            if (found.Count == 0)
                throw Missing(layer, $"weight '{slot.Name}' {Shapes.Format(slot.Shape)} (stored: {Describe(Tensors)})");
            if (found.Count > 1)
                throw new CorruptModelFileException($"{File}: layer '{layer.Name}' ({layer.StoredClassName}): several stored weights match '{slot.Name}' at {Location}: {Describe(found)}");
            CheckShape(layer, slot, found[0]);
            used.Add(found[0]);
            result[i] = found[0];
        }
        var extra = Tensors.Where(t => !used.Contains(t)).ToList();
        if (extra.Count > 0) throw Extra(layer, extra);
        Ledger.Use(result);
        // Keras's layer.weights order is the stored weight_names order.
        return Tensors.Where(used.Contains).ToList();
    }

    public static string Describe(IEnumerable<WeightTensor> ts)
    {
        var list = ts.Select(t => $"'{t.Name}' {t.ShapeText}").ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}

/// <summary>One Keras 3 weights group (<c>layers/&lt;auto&gt;</c>), whose vars are matched to slots by position.</summary>
internal sealed class V3WeightSource : WeightSource
{
    public V3WeightSource(string file, string location, V3WeightGroup group, BindingLedger ledger)
        : base(file, location, ledger) => Group = group;

    /// <summary>The group.</summary>
    public V3WeightGroup Group { get; }

    /// <summary>The child group <paramref name="path"/> (slash-separated), or null.</summary>
    public V3WeightSource? Child(string path)
    {
        var g = Group;
        foreach (var part in path.Split('/'))
            if (!g.Children.TryGetValue(part, out g!)) return null;
        return new V3WeightSource(File, Location + "/" + path, g, Ledger);
    }

    public V3WeightSource RequireChild(Layer layer, string path) =>
        Child(path) ?? throw Missing(layer, $"weights group '{path}'");

    public override IReadOnlyList<WeightTensor> Take(Layer layer, IReadOnlyList<WeightSlot> slots, string? subgroup)
    {
        var src = subgroup is null ? this : RequireChild(layer, subgroup);
        var vars = src.Group.Vars;
        if (vars.Count < slots.Count)
            throw src.Missing(layer, $"{slots.Count} vars ({string.Join(", ", slots.Select(s => s.Name + " " + Shapes.Format(s.Shape)))}); found {vars.Count}");
        if (vars.Count > slots.Count)
            throw src.Extra(layer, vars.Skip(slots.Count));
        for (int i = 0; i < slots.Count; i++) src.CheckShape(layer, slots[i], vars[i]);
        Ledger.Use(vars);
        // Keras 3 stores vars by position (vars/0, vars/1 ...): name them by the Keras weight they are
        // (layers/lstm/cell/vars/0 → layers/lstm/cell/kernel), as inspect and the gate view show them.
        var named = new WeightTensor[vars.Count];
        for (int i = 0; i < vars.Count; i++)
        {
            var v = vars[i];
            int cut = v.Name.LastIndexOf("/vars/", StringComparison.Ordinal);
            named[i] = cut < 0 ? v : new WeightTensor(v.Name[..cut] + "/" + slots[i].Name, v.Shape, v.Data, v.DType);
        }
        return named;
    }
}

/// <summary>Tracks which stored tensors a model consumed, to report the ones nothing used.</summary>
internal sealed class BindingLedger
{
    private readonly HashSet<WeightTensor> _used = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<V3WeightGroup> _ignored = new(ReferenceEqualityComparer.Instance);

    public void Use(IEnumerable<WeightTensor> tensors)
    {
        foreach (var t in tensors) _used.Add(t);
    }

    public bool IsUsed(WeightTensor t) => _used.Contains(t);

    /// <summary>Marks a group whose vars Keras itself never loads (Bidirectional's template <c>layer</c>).</summary>
    public void Ignore(V3WeightGroup g) => _ignored.Add(g);

    public bool IsIgnored(V3WeightGroup g) => _ignored.Contains(g);
}
