using System.Numerics;

namespace KerasPort.Runtime.Layers;

/// <summary>How Keras's Bidirectional combines the two directions.</summary>
internal enum BidirectionalMerge { Concat, Sum, Mul, Ave, None }

/// <summary>
/// Keras Bidirectional: runs the forward layer and the backward layer (go_backwards) on the same input and mask, flips
/// the backward output in time when returning sequences, and merges. Initial states: first half forward, second half
/// backward. Outputs: the merged output (two outputs for merge_mode None), then forward states, then backward states.
/// Both directions run with zero_output_for_mask = return_sequences, as Keras forces.
/// </summary>
internal sealed class BidirectionalRunner<T> : LayerRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RecurrentRunner<T> _forward;
    private readonly RecurrentRunner<T> _backward;
    private readonly BidirectionalMerge _merge;

    public BidirectionalRunner(string name, RecurrentRunner<T> forward, RecurrentRunner<T> backward, BidirectionalMerge merge)
        : base(name, "Bidirectional")
    {
        _forward = forward;
        _backward = backward;
        _merge = merge;
        if (forward.Options.ReturnSequences != backward.Options.ReturnSequences || forward.Options.ReturnState != backward.Options.ReturnState)
            throw new UnsupportedModelException(name, [new UnsupportedFeature("Bidirectional", name, "backward_layer",
                "the backward layer must have the same return_sequences and return_state as the forward layer")]);
    }

    private bool ReturnSequences => _forward.Options.ReturnSequences;
    private bool ReturnState => _forward.Options.ReturnState;
    private int ForwardStates => _forward.Cell.StateSizes.Length;
    private int BackwardStates => _backward.Cell.StateSizes.Length;

    public override bool IsStateful => _forward.IsStateful || _backward.IsStateful;

    public override int[][] OutputShapes(int[][] inputShapes)
    {
        var (fIn, bIn) = Split(inputShapes);
        var f = _forward.OutputShapes(fIn);
        var b = _backward.OutputShapes(bIn);
        var outputs = new List<int[]>();
        if (_merge == BidirectionalMerge.None)
        {
            outputs.Add(f[0]);
            outputs.Add(b[0]);
        }
        else
        {
            if (f[0][^1] != b[0][^1] && _merge != BidirectionalMerge.Concat)
                throw new ShapeMismatchException($"layer '{Name}' (Bidirectional): merge mode {_merge} needs equal forward and backward widths ({f[0][^1]} vs {b[0][^1]})");
            var merged = (int[])f[0].Clone();
            if (_merge == BidirectionalMerge.Concat) merged[^1] = f[0][^1] + b[0][^1];
            outputs.Add(merged);
        }
        if (ReturnState)
        {
            outputs.AddRange(f.Skip(1));
            outputs.AddRange(b.Skip(1));
        }
        return [.. outputs];
    }

    private (int[][] forward, int[][] backward) Split(int[][] inputShapes)
    {
        int given = inputShapes.Length - 1;
        if (given == 0) return ([inputShapes[0]], [inputShapes[0]]);
        if (given != ForwardStates + BackwardStates)
            throw new ShapeMismatchException($"layer '{Name}' (Bidirectional) takes {ForwardStates + BackwardStates} initial state tensors (forward then backward); got {given}");
        return ([inputShapes[0], .. inputShapes.Skip(1).Take(ForwardStates)], [inputShapes[0], .. inputShapes.Skip(1 + ForwardStates)]);
    }

    public override object? CreateWorkspace(int[][] inputShapes)
    {
        var (fIn, bIn) = Split(inputShapes);
        var fOut = _forward.OutputShapes(fIn);
        var bOut = _backward.OutputShapes(bIn);
        return new Workspace(_forward.CreateWorkspace(fIn), _backward.CreateWorkspace(bIn), fOut, bOut);
    }

    public override bool OutputMasked(int output, bool[] inputMasked) =>
        inputMasked[0] && ReturnSequences && (output == 0 || (output == 1 && _merge == BidirectionalMerge.None));

    public override void Run(Slot<T>[] inputs, Slot<T>[] outputs, object? workspace, RunState<T> state)
    {
        var ws = (Workspace)workspace!;
        var (fIn, bIn) = ws.DirectionInputs(inputs, ForwardStates);
        _forward.Run(fIn, ws.ForwardOutputs, ws.ForwardWorkspace, state);
        _backward.Run(bIn, ws.BackwardOutputs, ws.BackwardWorkspace, state);

        var y = ws.ForwardOutputs[0].Data;
        var yRev = ws.BackwardOutputs[0].Data;
        var shape = ws.ForwardOutputs[0].Shape;
        int batch = shape[0];
        int time = ReturnSequences ? shape[1] : 1;
        int fw = shape[^1], bw = ws.BackwardOutputs[0].Shape[^1];

        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                int tr = ReturnSequences ? time - 1 - t : t; // Keras flips the backward output in time
                var fRow = y.Slice((b * time + t) * fw, fw);
                var bRow = yRev.Slice((b * time + tr) * bw, bw);
                switch (_merge)
                {
                    case BidirectionalMerge.Concat:
                    {
                        var o = outputs[0].Data.Slice((b * time + t) * (fw + bw), fw + bw);
                        fRow.CopyTo(o);
                        bRow.CopyTo(o[fw..]);
                        break;
                    }
                    case BidirectionalMerge.None:
                        fRow.CopyTo(outputs[0].Data.Slice((b * time + t) * fw, fw));
                        bRow.CopyTo(outputs[1].Data.Slice((b * time + t) * bw, bw));
                        break;
                    default:
                    {
                        var o = outputs[0].Data.Slice((b * time + t) * fw, fw);
                        for (int j = 0; j < fw; j++)
                        {
                            o[j] = _merge switch
                            {
                                BidirectionalMerge.Sum => fRow[j] + bRow[j],
                                BidirectionalMerge.Mul => fRow[j] * bRow[j],
                                _ => (fRow[j] + bRow[j]) / T.CreateTruncating(2),
                            };
                        }
                        break;
                    }
                }
            }
        }
        int merged = _merge == BidirectionalMerge.None ? 2 : 1;
        for (int k = 0; k < merged; k++)
            if (outputs[k].HasMask) inputs[0].Mask.CopyTo(outputs[k].Mask);
        if (ReturnState)
        {
            for (int k = 0; k < ForwardStates; k++) ws.ForwardOutputs[k + 1].Data.CopyTo(outputs[merged + k].Data);
            for (int k = 0; k < BackwardStates; k++) ws.BackwardOutputs[k + 1].Data.CopyTo(outputs[merged + ForwardStates + k].Data);
        }
    }

    private sealed class Workspace
    {
        private Slot<T>[]? _source, _forwardInputs, _backwardInputs;

        public Workspace(object? forward, object? backward, int[][] forwardShapes, int[][] backwardShapes)
        {
            ForwardWorkspace = forward;
            BackwardWorkspace = backward;
            ForwardOutputs = Make(forwardShapes);
            BackwardOutputs = Make(backwardShapes);
        }

        public object? ForwardWorkspace { get; }
        public object? BackwardWorkspace { get; }
        public Slot<T>[] ForwardOutputs { get; }
        public Slot<T>[] BackwardOutputs { get; }

        /// <summary>
        /// The forward and backward layers' inputs: the sequence, then their half of the initial states. A frame always
        /// passes the same slot array, so the split is built once and reused (no allocation per call).
        /// </summary>
        public (Slot<T>[] Forward, Slot<T>[] Backward) DirectionInputs(Slot<T>[] inputs, int forwardStates)
        {
            if (!ReferenceEquals(inputs, _source))
            {
                _source = inputs;
                _forwardInputs = inputs.Length == 1 ? inputs : [inputs[0], .. inputs.Skip(1).Take(forwardStates)];
                _backwardInputs = inputs.Length == 1 ? inputs : [inputs[0], .. inputs.Skip(1 + forwardStates)];
            }
            return (_forwardInputs!, _backwardInputs!);
        }

        private static Slot<T>[] Make(int[][] shapes)
        {
            var slots = new Slot<T>[shapes.Length];
            for (int i = 0; i < shapes.Length; i++)
            {
                slots[i] = new Slot<T>();
                slots[i].Resize(shapes[i]);
            }
            return slots;
        }
    }
}
