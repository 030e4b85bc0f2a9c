using System.Globalization;
using KerasPort.Model;
using PureHDF;

namespace KerasPort.Formats.Hdf5;

/// <summary>
/// Reads the Keras 3 weights tree (<c>model.weights.h5</c> in a <c>.keras</c> archive, or a <c>.weights.h5</c> file): every group may hold a
/// <c>vars</c> group of datasets named <c>0</c>, <c>1</c>, … (sorted numerically) and child groups (<c>layers</c>, <c>cell</c>,
/// <c>forward_layer</c>, …). The root's <c>optimizer</c> subtree (optimizer slots) is not read: no model needs it.
/// </summary>
internal static class V3WeightsReader
{
    private const string VarsGroup = "vars";

    /// <summary>Names of root groups that hold training state rather than model weights.</summary>
    private static readonly HashSet<string> SkippedAtRoot = new(StringComparer.Ordinal) { "optimizer" };

    /// <summary>Whether the root of <paramref name="h5"/> looks like a Keras 3 weights tree.</summary>
    public static bool LooksLikeV3(Hdf5Image h5) =>
        h5.Children(h5.Root, "/").Any(c => c is IH5Group && c.Name is "layers" or VarsGroup or "_layer_checkpoint_dependencies");

    /// <summary>Reads the whole tree under the root.</summary>
    public static V3WeightSet Read(Hdf5Image h5) => new() { Root = ReadGroup(h5, h5.Root, "", "/", isRoot: true, depth: 0) };

    private static V3WeightGroup ReadGroup(Hdf5Image h5, IH5Group group, string name, string location, bool isRoot, int depth)
    {
        if (depth > 64)
            throw h5.Corrupt($"reading {location}: groups are nested more than 64 deep");

        IReadOnlyList<WeightTensor> vars = [];
        string? objectName = null;
        var children = new Dictionary<string, V3WeightGroup>(StringComparer.Ordinal);

        foreach (var child in h5.Children(group, location))
        {
            string childLocation = LegacyWeightsReader.Join(location, child.Name);
            if (child is not IH5Group childGroup) continue; // Keras writes datasets only inside 'vars'
            if (child.Name == VarsGroup)
            {
                vars = ReadVars(h5, childGroup, childLocation);
                objectName = h5.ReadStringAttribute(childGroup, childLocation, "name");
            }
            else if (!(isRoot && SkippedAtRoot.Contains(child.Name)))
            {
                children[child.Name] = ReadGroup(h5, childGroup, child.Name, childLocation, isRoot: false, depth + 1);
            }
        }
        return new V3WeightGroup { Name = name, ObjectName = objectName, Vars = vars, Children = children };
    }

    private static List<WeightTensor> ReadVars(Hdf5Image h5, IH5Group vars, string location)
    {
        var indexed = new List<(int Index, IH5Dataset Dataset)>();
        foreach (var member in h5.Children(vars, location))
        {
            if (!int.TryParse(member.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw h5.Corrupt($"reading {location}: member '{member.Name}' is not a variable index (expected 0, 1, 2, …)");
            if (member is not IH5Dataset dataset)
                throw h5.Corrupt($"reading {location}: member '{member.Name}' is a group, not a dataset");
            indexed.Add((index, dataset));
        }
        indexed.Sort((a, b) => a.Index.CompareTo(b.Index));
        for (int i = 0; i < indexed.Count; i++)
        {
            if (indexed[i].Index != i)
                throw new MissingWeightsException($"{h5.DisplayName}: {location} holds variables [{string.Join(", ", indexed.Select(v => v.Index))}]: variable {i} is missing");
        }
        return indexed.Select(v =>
        {
            string datasetLocation = LegacyWeightsReader.Join(location, v.Index.ToString(CultureInfo.InvariantCulture));
            return h5.ReadTensor(v.Dataset, datasetLocation.TrimStart('/'), datasetLocation);
        }).ToList();
    }
}
