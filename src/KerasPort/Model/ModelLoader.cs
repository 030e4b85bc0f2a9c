using KerasPort.Formats;
using KerasPort.Model.Config;
using KerasPort.Model.Graph;
using KerasPort.Model.Weights;

namespace KerasPort.Model;

/// <summary>Turns a <see cref="KerasFileContent"/> into a <see cref="KerasModel"/>: parse, pre-flight check, graph and shapes, weights.</summary>
internal static class ModelLoader
{
    public static KerasModel Build(KerasFileContent content, KerasModelLoadOptions? options)
    {
        var file = content.Path;
        if (content.ModelConfig is null)
            throw new InvalidModelArgumentException(
                $"{file}: the file holds weights only (no architecture); supply the model config: KerasModel.Load(weightsPath, configPath), " +
                "KerasModel.FromConfig(json, weightsPath), or keras-port inspect --config FILE");
        var generation = options?.KerasVersion is { } v
            ? KerasGenerationDetector.FromVersion(v) ?? throw new InvalidModelArgumentException($"KerasModelLoadOptions.KerasVersion '{v}' is not a Keras version (1.x, 2.x or 3.x)")
            : KerasGenerationDetector.Detect(content.KerasVersion, content.ModelConfig);
        var version = options?.KerasVersion ?? content.KerasVersion;
        var ctx = new LoadContext(file, generation, content.Backend, LayerRegistry.CreateDefault())
        {
            CustomCells = options?.CustomCells,
            // custom cells read hard_sigmoid & co. by the file's generation, also when the file records no version
            KerasVersion = generation == KerasGeneration.Keras3 && version?.StartsWith('3') != true ? "3" : version,
        };
        try
        {
            var spec = ModelParser.Parse(content.ModelConfig, ctx);
            // Pre-flight: every unsupported layer and option, reported together before anything runs.
            foreach (var layer in spec.Layers) layer.CheckSupport(ctx);
            spec.SequentialInput?.CheckSupport(ctx);
            ThrowIfUnsupported(ctx);
            var graph = GraphExpander.Expand(spec, ctx);
            ThrowIfUnsupported(ctx);
            if (content.Weights is not null) WeightBinder.Bind(spec, content.Weights, file);
            var model = new KerasModel(content, generation, spec, graph);
            model.InitializeRuntime(options);
            return model;
        }
        catch (UnsupportedModelException e) when (ctx.Unsupported.Count > 0 && !ReferenceEquals(e.Features, ctx.Unsupported))
        {
            // A structural refusal (e.g. a subclassed nested model) plus what the pre-flight had already collected.
            throw new UnsupportedModelException(file, Distinct(ctx.Unsupported.Concat(e.Features)));
        }
        catch (Exception e) when (e is not KerasPortException)
        {
            throw new CorruptModelFileException($"{file}: the model config could not be interpreted ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static void ThrowIfUnsupported(LoadContext ctx)
    {
        if (ctx.Unsupported.Count > 0) throw new UnsupportedModelException(ctx.File, Distinct(ctx.Unsupported));
    }

    private static List<UnsupportedFeature> Distinct(IEnumerable<UnsupportedFeature> features) => features.Distinct().ToList();
}
