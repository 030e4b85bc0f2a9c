using Newtonsoft.Json.Linq;
using PureHDF;

namespace KerasPort.Formats.Hdf5;

/// <summary>
/// Reads an HDF5 model file of any layout: a legacy full model (root <c>model_config</c> + <c>/model_weights</c>), a legacy
/// <c>save_weights</c> file (root <c>layer_names</c>) or a Keras 3 weights tree (root <c>layers</c>/<c>vars</c>).
/// </summary>
internal static class Hdf5ModelReader
{
    /// <summary>Reads <paramref name="h5"/>; <paramref name="path"/> is recorded in the result.</summary>
    public static KerasFileContent Read(string path, Hdf5Image h5)
    {
        var root = h5.Root;
        string? kerasVersion = h5.ReadStringAttribute(root, "/", "keras_version");
        string? backend = h5.ReadStringAttribute(root, "/", "backend");

        if (h5.HasAttribute(root, "/", "model_config"))
            return ReadFullModel(path, h5, kerasVersion, backend);

        if (LegacyWeightsReader.HasLayerNames(h5, root, "/"))
        {
            return new KerasFileContent
            {
                Path = path,
                Format = ModelFileFormat.Hdf5Weights,
                KerasVersion = kerasVersion,
                Backend = backend,
                Weights = LegacyWeightsReader.Read(h5, root, "/"),
            };
        }

        if (V3WeightsReader.LooksLikeV3(h5))
        {
            return new KerasFileContent
            {
                Path = path,
                Format = ModelFileFormat.KerasV3Weights,
                KerasVersion = kerasVersion,
                Backend = backend,
                Weights = V3WeightsReader.Read(h5),
            };
        }

        var rootAttributes = h5.AttributeNames(root, "/");
        if (rootAttributes.Contains("inputs") || h5.TryGet(root, "/", "predictions") is IH5Group)
            throw new NotKerasFileException($"{h5.DisplayName}: this HDF5 file holds reference inputs/predictions, not a Keras model (read it as a reference file)");
        throw new NotKerasFileException(
            $"{h5.DisplayName}: this HDF5 file holds no Keras model: expected a root attribute 'model_config' (full model), 'layer_names' (weights) " +
            $"or a 'layers' group (Keras 3 weights); found attributes [{string.Join(", ", rootAttributes)}]");
    }

    private static KerasFileContent ReadFullModel(string path, Hdf5Image h5, string? kerasVersion, string? backend)
    {
        var root = h5.Root;
        string configText = h5.ReadStringAttribute(root, "/", "model_config")!;
        JObject config = ModelJson.ParseConfig(h5.DisplayName, "the root attribute 'model_config'", configText);

        if (h5.TryGet(root, "/", "model_weights") is not IH5Group weightsGroup)
            throw new MissingWeightsException($"{h5.DisplayName}: the file has a model_config but no /model_weights group");

        // tf.keras and Keras 2 repeat the version on /model_weights; Keras 1 full models have it on the root only.
        kerasVersion ??= h5.ReadStringAttribute(weightsGroup, "/model_weights", "keras_version");
        backend ??= h5.ReadStringAttribute(weightsGroup, "/model_weights", "backend");

        return new KerasFileContent
        {
            Path = path,
            Format = ModelFileFormat.Hdf5FullModel,
            KerasVersion = kerasVersion,
            Backend = backend,
            ModelConfig = config,
            Weights = LegacyWeightsReader.Read(h5, weightsGroup, "/model_weights"),
        };
    }
}
