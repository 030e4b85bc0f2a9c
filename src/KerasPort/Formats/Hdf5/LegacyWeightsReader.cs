using KerasPort.Model;
using PureHDF;

namespace KerasPort.Formats.Hdf5;

/// <summary>
/// Reads the legacy Keras weights layout (Keras 1/2, tf.keras, Keras 3 <c>.h5</c>): the group's <c>layer_names</c> attribute lists the
/// layer groups in model order; each layer group's <c>weight_names</c> lists its tensors as paths relative to that group.
/// Groups not named in <c>layer_names</c> (such as <c>top_level_model_weights</c>) are ignored, as Keras's own loader does per layer.
/// </summary>
internal static class LegacyWeightsReader
{
    /// <summary>Whether <paramref name="group"/> carries a <c>layer_names</c> list (whole or chunked).</summary>
    public static bool HasLayerNames(Hdf5Image h5, IH5Group group, string location) =>
        h5.HasAttribute(group, location, "layer_names") || h5.HasAttribute(group, location, "layer_names0");

    /// <summary>Reads every layer listed in <paramref name="group"/>'s <c>layer_names</c>, located at <paramref name="location"/> (e.g. <c>/model_weights</c>).</summary>
    public static LegacyWeightSet Read(Hdf5Image h5, IH5Group group, string location)
    {
        var layerNames = h5.ReadNameList(group, location, "layer_names")
            ?? throw h5.Corrupt($"reading {location}: it has no 'layer_names' attribute");

        var byLayer = new Dictionary<string, IReadOnlyList<WeightTensor>>(StringComparer.Ordinal);
        foreach (var layer in layerNames)
        {
            if (byLayer.ContainsKey(layer))
                throw h5.Corrupt($"reading 'layer_names' of {location}: layer '{layer}' is listed twice");
            byLayer[layer] = ReadLayer(h5, group, location, layer);
        }
        return new LegacyWeightSet { LayerNames = layerNames, ByLayer = byLayer };
    }

    private static List<WeightTensor> ReadLayer(Hdf5Image h5, IH5Group parent, string parentLocation, string layer)
    {
        string layerLocation = Join(parentLocation, layer);
        var layerObject = h5.TryGet(parent, parentLocation, layer);
        if (layerObject is null)
            throw new MissingWeightsException($"{h5.DisplayName}: layer '{layer}' is listed in 'layer_names' of {parentLocation} but the group {layerLocation} does not exist");
        if (layerObject is not IH5Group layerGroup)
            throw h5.Corrupt($"reading layer '{layer}': {layerLocation} is not a group");

        var weightNames = h5.ReadNameList(layerGroup, layerLocation, "weight_names")
            ?? throw h5.Corrupt($"reading layer '{layer}': {layerLocation} has no 'weight_names' attribute");

        var tensors = new List<WeightTensor>(weightNames.Count);
        foreach (var weightName in weightNames)
        {
            string datasetLocation = Join(layerLocation, weightName);
            var target = h5.TryGet(layerGroup, layerLocation, weightName);
            if (target is null)
                throw new MissingWeightsException($"{h5.DisplayName}: layer '{layer}': tensor '{weightName}' is listed in 'weight_names' but there is no dataset {datasetLocation}");
            if (target is not IH5Dataset dataset)
                throw h5.Corrupt($"reading layer '{layer}': tensor '{weightName}' at {datasetLocation} is a group, not a dataset");
            tensors.Add(h5.ReadTensor(dataset, weightName, datasetLocation));
        }
        return tensors;
    }

    /// <summary>Joins HDF5 path segments for messages (<c>/</c> + <c>a</c> = <c>/a</c>).</summary>
    public static string Join(string parent, string child) => parent.EndsWith('/') ? parent + child : parent + "/" + child;
}
