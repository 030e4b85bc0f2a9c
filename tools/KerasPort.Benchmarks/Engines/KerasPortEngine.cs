using KerasPort.Benchmarks.Workloads;
using KerasPort.Compute;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Benchmarks.Engines;

/// <summary>
/// The KerasPort side of every comparison — the only class that touches KerasPort, so moving the benchmarks onto the
/// public API (<c>KerasModel.FromConfig(document.ConfigJson, document.WeightsByLayer)</c> + its predict-into-buffer call)
/// replaces the body of this class and nothing else; <see cref="Document"/> already holds the Keras config and weights.
/// </summary>
/// <remarks>
/// INTERIM PATH (the public model API is not on main yet): the recurrent layers run through KerasPort's internal compute
/// (<see cref="LstmCell{T}"/>, <see cref="GruCell{T}"/>, <see cref="SimpleRnnCell{T}"/> driven by
/// <see cref="RnnDriver.Run{T}"/> with a reused <see cref="RnnWorkspace{T}"/>) and Dense through
/// <see cref="Linear.Project{T}"/> plus an in-place relu. No per-call allocation.
/// </remarks>
internal sealed class KerasPortEngine : IInferenceEngine
{
    /// <summary>Which KerasPort path this build measures (printed in every report).</summary>
    public const string PathDescription = "interim: KerasPort.Compute internals (RnnDriver + cells, Linear.Project)";

    private readonly BenchModel _model;
    private readonly int _batch;
    private readonly float[] _input;
    private readonly Stage[] _stages;

    public KerasPortEngine(BenchModel model, int batch)
    {
        _model = model;
        _batch = batch;
        Document = KerasModelDocument.From(model, batch);
        _input = new float[model.InputLength(batch)];
        int time = model.StepsPerCall;
        bool hasTime = model.TimeSteps is not null;
        var stages = new List<Stage>();
        foreach (var layer in model.Layers)
        {
            switch (layer)
            {
                case DenseLayer d:
                {
                    int rows = hasTime ? batch * time : batch;
                    stages.Add(new DenseStage(d, rows));
                    break;
                }
                default:
                {
                    var stage = new RecurrentStage(layer, batch, time, model.Streaming);
                    stages.Add(stage);
                    hasTime = stage.ReturnSequences;
                    break;
                }
            }
        }
        _stages = [.. stages];
    }

    /// <summary>The workload as a Keras model (config + weights), for the public API.</summary>
    public KerasModelDocument Document { get; }

    public string Name => "KerasPort";

    public Span<float> Input => _input;

    public ReadOnlySpan<float> Output => _stages[^1].Output;

    public void Run()
    {
        ReadOnlySpan<float> x = _input;
        foreach (var stage in _stages)
        {
            stage.Run(x);
            x = stage.Output;
        }
    }

    public void ResetState()
    {
        foreach (var s in _stages) s.ResetState();
    }

    public void Dispose()
    {
    }

    private abstract class Stage
    {
        public abstract float[] Output { get; }
        public abstract void Run(ReadOnlySpan<float> x);
        public virtual void ResetState() { }
    }

    private sealed class DenseStage(DenseLayer layer, int rows) : Stage
    {
        private readonly float[] _output = new float[rows * layer.Units];

        public override float[] Output => _output;

        public override void Run(ReadOnlySpan<float> x)
        {
            Linear.Project<float>(x, rows, layer.InputDim, layer.Kernel, layer.Units, layer.Bias, _output);
            if (layer.Activation == DenseActivation.Relu)
                for (int i = 0; i < _output.Length; i++) _output[i] = MathF.Max(_output[i], 0f);
        }
    }

    private sealed class RecurrentStage : Stage
    {
        private readonly IRecurrentCell<float> _cell;
        private readonly int _batch;
        private readonly int _time;
        private readonly bool _carryState;
        private readonly float[] _states;
        private readonly float[] _sequence;
        private readonly float[] _last;
        private readonly RnnWorkspace<float> _workspace = new();

        public RecurrentStage(KerasLayer layer, int batch, int time, bool carryState)
        {
            var tanh = new Activation(ActivationKind.Tanh);
            var sigmoid = new Activation(ActivationKind.Sigmoid);
            (_cell, ReturnSequences) = layer switch
            {
                LstmLayer l => ((IRecurrentCell<float>)new LstmCell<float>(l.InputDim, l.Units, l.Kernel, l.RecurrentKernel, l.Bias, tanh, sigmoid), l.ReturnSequences),
                GruLayer g => (new GruCell<float>(g.InputDim, g.Units, g.Kernel, g.RecurrentKernel, g.InputBias, g.RecurrentBias, resetAfter: true, tanh, sigmoid), g.ReturnSequences),
                SimpleRnnLayer s => (new SimpleRnnCell<float>(s.InputDim, s.Units, s.Kernel, s.RecurrentKernel, s.Bias, tanh), s.ReturnSequences),
                _ => throw new NotSupportedException(layer.GetType().Name),
            };
            _batch = batch;
            _time = time;
            _carryState = carryState;
            int stateLength = 0;
            foreach (var s in _cell.StateSizes) stateLength += s * batch;
            _states = new float[stateLength];
            _sequence = ReturnSequences ? new float[batch * time * _cell.OutputSize] : [];
            _last = new float[batch * _cell.OutputSize];
        }

        public bool ReturnSequences { get; }

        public override float[] Output => ReturnSequences ? _sequence : _last;

        public override void Run(ReadOnlySpan<float> x)
        {
            if (!_carryState) Array.Clear(_states); // stateful=False: every predict starts from zeros
            RnnDriver.Run<float>(_cell, x, _batch, _time, [], goBackwards: false, zeroOutputForMask: false,
                _states, _sequence, _last, _workspace);
        }

        public override void ResetState() => Array.Clear(_states);
    }
}
