using KerasPort.Benchmarks.Onnx;
using KerasPort.Benchmarks.Workloads;
using Microsoft.ML.OnnxRuntime;

namespace KerasPort.Benchmarks.Engines;

/// <summary>
/// ONNX Runtime on the CPU execution provider: all graph optimizations on, a fixed number of intra-op threads, and
/// inputs / outputs pre-bound through <see cref="OrtIoBinding"/> to OrtValues over pinned managed arrays, so a call
/// allocates nothing and copies nothing on either side. The streaming workload ping-pongs between two bindings
/// (h0/c0 → h1/c1, then h1/c1 → h0/c0), which carries the state without rebinding.
/// </summary>
internal sealed class OrtEngine : IInferenceEngine
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly List<IDisposable> _owned = [];
    private readonly OrtIoBinding[] _bindings;
    private readonly float[] _input;
    private readonly float[][] _outputs;   // per binding: the array its main output lands in
    private readonly float[][] _states = []; // streaming: h0, c0, h1, c1
    private int _phase;

    public OrtEngine(BenchModel model, int batch, int intraOpThreads)
    {
        Name = intraOpThreads == 1 ? "ORT-1T" : $"ORT-{intraOpThreads}T";
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
        };
        // Spinning is ORT's default; KERASPORT_BENCH_ORT_SPIN=0 turns it off to observe its effect on 2 cores.
        if (Environment.GetEnvironmentVariable("KERASPORT_BENCH_ORT_SPIN") == "0")
            _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(KerasToOnnx.Build(model, batch), _options);

        _input = new float[model.InputLength(batch)];
        var inputValue = Pin(_input, model.TimeSteps is null ? [batch, model.Features] : [batch, model.StepsPerCall, model.Features]);

        if (!model.Streaming)
        {
            var output = new float[model.OutputLength(batch)];
            long[] outShape = model.SequenceOutput ? [batch, model.StepsPerCall, model.OutputWidth] : [batch, model.OutputWidth];
            var binding = Own(_session.CreateIoBinding());
            binding.BindInput(KerasToOnnx.InputName, inputValue);
            binding.BindOutput(KerasToOnnx.OutputName, Pin(output, outShape));
            _bindings = [binding];
            _outputs = [output];
        }
        else
        {
            int units = model.OutputWidth;
            _states = [new float[units], new float[units], new float[units], new float[units]];
            long[] stateShape = [1, 1, units];
            var values = _states.Select(s => Pin(s, stateShape)).ToArray();
            _bindings = new OrtIoBinding[2];
            for (int p = 0; p < 2; p++)
            {
                int from = 2 * p, to = 2 * (1 - p);
                var binding = Own(_session.CreateIoBinding());
                binding.BindInput(KerasToOnnx.InputName, inputValue);
                binding.BindInput(KerasToOnnx.InitialH, values[from]);
                binding.BindInput(KerasToOnnx.InitialC, values[from + 1]);
                binding.BindOutput(KerasToOnnx.FinalH, values[to]);
                binding.BindOutput(KerasToOnnx.FinalC, values[to + 1]);
                _bindings[p] = binding;
            }
            _outputs = [_states[2], _states[0]];
        }
    }

    public string Name { get; }

    public Span<float> Input => _input;

    public ReadOnlySpan<float> Output => _outputs[_bindings.Length == 1 ? 0 : 1 - _phase];

    public void Run()
    {
        _session.RunWithBinding(_runOptions, _bindings[_phase]);
        if (_bindings.Length == 2) _phase = 1 - _phase;
    }

    public void ResetState()
    {
        foreach (var s in _states) Array.Clear(s);
        _phase = 0;
    }

    private OrtValue Pin(float[] data, long[] shape) => Own(OrtValue.CreateTensorValueFromMemory(data, shape));

    private T Own<T>(T d) where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _options.Dispose();
    }
}
