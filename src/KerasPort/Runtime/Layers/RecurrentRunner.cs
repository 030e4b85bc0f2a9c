using System.Numerics;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Runtime.Layers;

/// <summary>Options of a Keras RNN layer that shape how the sequence is run and what is returned.</summary>
/// <param name="ReturnSequences">Output every step.</param>
/// <param name="ReturnState">Also output the final states.</param>
/// <param name="GoBackwards">Process the sequence last step first.</param>
/// <param name="Stateful">Keep the states across calls (Keras stateful=True, and streaming).</param>
/// <param name="ZeroOutputForMask">Masked steps output zeros.</param>
/// <param name="Streaming">Also carry the last output across calls, so that feeding a sequence in pieces equals feeding it whole.</param>
internal readonly record struct RecurrentOptions(bool ReturnSequences, bool ReturnState, bool GoBackwards, bool Stateful, bool ZeroOutputForMask, bool Streaming = false);

/// <summary>
/// Runs an RNN layer (LSTM, GRU, SimpleRNN, RNN(cell)) over (batch, time, features). Inputs: the sequence, then optional
/// initial states (one tensor per state, batch × size). Outputs: the sequence output (or the last output), then the
/// final states when return_state.
/// </summary>
internal sealed class RecurrentRunner<T> : LayerRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IRecurrentCell<T> _cell;
    private readonly int _stateLength; // per batch row

    public RecurrentRunner(string name, string className, IRecurrentCell<T> cell, RecurrentOptions options) : base(name, className)
    {
        _cell = cell;
        Options = options;
        foreach (var s in cell.StateSizes) _stateLength += s;
        _outputKey = name + "#output";
    }

    private readonly string _outputKey; // where a stream keeps the last output between calls

    public RecurrentOptions Options { get; }

    public IRecurrentCell<T> Cell => _cell;

    public override bool IsStateful => Options.Stateful;

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var x = inputShapes[0];
        if (x.Length != 3)
            throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) expects input of shape (batch, time, {_cell.InputSize}); got {ShapeText(x)}");
        if (x[2] != _cell.InputSize)
            throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) expects {_cell.InputSize} features per step; got input of shape {ShapeText(x)}");
        if (x[1] < 1)
            throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) needs at least one time step; got input of shape {ShapeText(x)}");
        int batch = x[0];
        int given = inputShapes.Length - 1;
        if (given != 0 && given != _cell.StateSizes.Length)
            throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) takes {_cell.StateSizes.Length} initial state tensor(s); got {given}");
        for (int k = 0; k < given; k++)
        {
            var s = inputShapes[k + 1];
            if (s.Length != 2 || s[0] != batch || s[1] != _cell.StateSizes[k])
                throw new ShapeMismatchException($"layer '{Name}' ({ClassName}) initial state {k} must have shape ({batch}, {_cell.StateSizes[k]}); got {ShapeText(s)}");
        }
        var outputs = new List<int[]>
        {
            Options.ReturnSequences ? [batch, x[1], _cell.OutputSize] : [batch, _cell.OutputSize],
        };
        if (Options.ReturnState)
            foreach (var s in _cell.StateSizes) outputs.Add([batch, s]);
        return [.. outputs];
    }

    public override object? CreateWorkspace(int[][] inputShapes) => new Workspace(inputShapes[0][0] * _stateLength);

    public override bool OutputMasked(int output, bool[] inputMasked) => output == 0 && Options.ReturnSequences && inputMasked[0];

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var ws = (Workspace)workspace!;
        var x = inputs[0];
        int batch = x.Shape[0], time = x.Shape[1];
        Span<T> states = ws.States;
        if (inputs.Length > 1)
        {
            int offset = 0;
            for (int k = 1; k < inputs.Length; k++)
            {
                inputs[k].Data.CopyTo(states.Slice(offset));
                offset += inputs[k].Length;
            }
        }
        else if (Options.Stateful)
        {
            state.Get(Name, states.Length).CopyTo(states);
        }
        else
        {
            states.Clear();
        }

        var output = outputs[0];
        Span<T> last = Options.ReturnSequences ? ws.Last(batch * _cell.OutputSize) : output.Data;
        Span<T> sequence = Options.ReturnSequences ? output.Data : Span<T>.Empty;
        Span<T> carried = Options.Streaming ? state.Get(_outputKey, batch * _cell.OutputSize) : default;
        RnnDriver.Run(_cell, x.Data, batch, time, x.Mask, Options.GoBackwards, Options.ZeroOutputForMask, states, sequence, last, ws.Rnn, carried);

        // Keras's RNN.compute_mask passes the input mask on unchanged (not reversed for go_backwards)
        if (Options.ReturnSequences && output.HasMask) x.Mask.CopyTo(output.Mask);
        if (Options.Stateful) states.CopyTo(state.Get(Name, states.Length));
        if (Options.ReturnState)
        {
            int offset = 0;
            for (int k = 0; k < _cell.StateSizes.Length; k++)
            {
                int n = batch * _cell.StateSizes[k];
                states.Slice(offset, n).CopyTo(outputs[k + 1].Data);
                offset += n;
            }
        }
    }

    private sealed class Workspace(int stateLength)
    {
        private T[] _last = [];
        public T[] States { get; } = new T[stateLength];
        public RnnWorkspace<T> Rnn { get; } = new();
        public Span<T> Last(int n)
        {
            if (_last.Length < n) _last = new T[n];
            return _last.AsSpan(0, n);
        }
    }
}
