using KerasPort.Benchmarks.Harness;
using KerasPort.Benchmarks.Workloads;

namespace KerasPort.Benchmarks.Engines;

/// <summary>
/// The KerasPort side of every comparison, through the public API only: the workload is written as a tf.keras legacy
/// full-model <c>.h5</c> (config + weights, <see cref="KerasModelDocument"/>), loaded with <see cref="KerasModel.Load"/>,
/// and each call is the allocation-free <c>Predict&lt;float&gt;(input, shape, output)</c> into the engine's own
/// buffers. The streaming workload is a <c>stateful=True</c> model: each call advances the carried state by one step,
/// <see cref="KerasModel.ResetStates"/> zeros it.
/// </summary>
internal sealed class KerasPortEngine : IInferenceEngine
{
    /// <summary>Which KerasPort path a run measures (printed in every report).</summary>
    public const string PathDescription = "public API: KerasModel.Load(.h5) + Predict<float>(input, shape, output)";

    private readonly KerasModel _model;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly int[] _shape;

    public KerasPortEngine(BenchModel model, int batch)
    {
        _model = KerasModel.Load(ModelFile(model, batch));
        _input = new float[model.InputLength(batch)];
        _output = new float[model.OutputLength(batch)];
        _shape = model.TimeSteps is null ? [batch, model.Features] : [batch, model.StepsPerCall, model.Features];
    }

    public string Name => "KerasPort";

    public Span<float> Input => _input;

    public ReadOnlySpan<float> Output => _output;

    public void Run() => _model.Predict<float>(_input, _shape, _output);

    public void ResetState() => _model.ResetStates();

    public void Dispose()
    {
    }

    /// <summary>The workload's .h5, written once into the benchmark cache folder (stateful models fix their batch size).</summary>
    private static string ModelFile(BenchModel model, int batch)
    {
        var name = model.Streaming ? $"{model.CaseName(batch)}-{ReferenceGate.WeightsFingerprint(model):x16}.h5" : $"{model.Id}-{ReferenceGate.WeightsFingerprint(model):x16}.h5";
        var path = Path.Combine(ReferenceGate.CacheDir, name);
        if (!File.Exists(path))
        {
            var tmp = path + "." + Environment.ProcessId + ".tmp";
            KerasModelDocument.From(model, batch).WriteLegacyH5(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        return path;
    }
}
