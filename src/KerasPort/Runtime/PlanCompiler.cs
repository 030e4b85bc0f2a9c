using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Ops;
using KerasPort.Compute.Recurrent;
using KerasPort.Model;
using KerasPort.Model.Graph;
using KerasPort.Model.Layers;
using KerasPort.Runtime.Layers;

namespace KerasPort.Runtime;

/// <summary>Compiles a <see cref="ModelGraph"/> into an <see cref="ExecutionPlan{T}"/>: one runner per layer call.</summary>
internal static class PlanCompiler
{
    /// <param name="graph">The model graph.</param>
    /// <param name="file">The model file, for messages.</param>
    /// <param name="streaming">Compile for step-by-step streaming: every RNN layer keeps its states across calls.</param>
    public static CompiledModel<T> Compile<T>(ModelGraph graph, string file, bool streaming = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var slotOf = new Dictionary<TensorRef, int>();
        var inputs = new List<InputSpec>();
        foreach (var input in graph.Inputs)
        {
            slotOf[input.Tensor] = inputs.Count;
            // a stream feeds any number of steps per call, whatever time dimension the model was built with
            var shape = streaming && input.Shape.Length == 3 ? [input.Shape[0], null, input.Shape[2]] : input.Shape;
            inputs.Add(new InputSpec(input.Name, shape));
        }
        int next = inputs.Count;
        var steps = new List<PlanStep<T>>();
        var runners = new Dictionary<Layer, LayerRunner<T>>(ReferenceEqualityComparer.Instance);
        var layerSlots = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs) layerSlots.TryAdd(input.Name, slotOf[input.Tensor]);
        foreach (var call in graph.Calls)
        {
            if (call.Layer is InputLayerSpec) continue;
            if (call.ExplicitMask is not null)
                throw new UnsupportedModelException(file, [new UnsupportedFeature(call.Layer.StoredClassName, call.Layer.Name, "mask",
                    "a mask passed explicitly as a call argument is not supported")]);
            if (!runners.TryGetValue(call.Layer, out var runner))
            {
                runner = CreateRunner<T>(call.Layer, call.Path, file, streaming);
                runners[call.Layer] = runner;
            }
            var ins = call.Inputs.Concat(call.InitialState).Select(t => slotOf.TryGetValue(t, out var s) ? s
                : throw new CorruptModelFileException($"{file}: layer '{call.Layer.Name}' reads a tensor no earlier layer produces")).ToArray();
            var outs = new int[call.OutputShapes.Count];
            for (int k = 0; k < outs.Length; k++)
            {
                outs[k] = next++;
                slotOf[new TensorRef(call.Index, k)] = outs[k];
            }
            steps.Add(new PlanStep<T>(runner, ins, outs));
            layerSlots.TryAdd(call.Path, outs[0]);
        }
        var outputSlots = graph.Outputs.Select(o => slotOf[o.Tensor]).ToArray();
        var outputNames = graph.Outputs.Select(o => o.TensorIndex == 0 ? o.LayerName : $"{o.LayerName}__{o.TensorIndex}").ToArray();
        var plan = new ExecutionPlan<T>(steps, inputs.Count, outputSlots, next);
        return new CompiledModel<T>(plan, inputs, outputNames) { LayerOutputSlots = layerSlots };
    }

    private static T[] Values<T>(WeightTensor? w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w is null) return [];
        var a = new T[w.Data.Length];
        for (int i = 0; i < a.Length; i++) a[i] = T.CreateTruncating(w.Data[i]);
        return a;
    }

    private static T[]? ValuesOrNull<T>(WeightTensor? w) where T : unmanaged, IFloatingPointIeee754<T> => w is null ? null : Values<T>(w);

    private static Padding ParsePadding(string p) => p switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        "causal" => Padding.Causal,
        _ => throw new InvalidOperationException("padding " + p),
    };

    private static DataFormat ParseFormat(string f) => f == "channels_first" ? DataFormat.ChannelsFirst : DataFormat.ChannelsLast;

    internal static LayerRunner<T> CreateRunner<T>(Layer layer, string path, string file, bool streaming = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (layer)
        {
            case DenseLayer d:
                return new DenseRunner<T>(path, d.InputDim ?? d.Kernel!.Shape[0], d.Units, Values<T>(d.Kernel), ValuesOrNull<T>(d.Bias), d.Activation);
            case ActivationLayer a:
                return new ActivationRunner<T>(path, a.StoredClassName, a.Activation);
            case ActivationFunctionLayer a:
                return new ActivationRunner<T>(path, a.StoredClassName, a.Activation);
            case InferenceIdentityLayer i:
                return new IdentityRunner<T>(path, i.StoredClassName);
            case EmbeddingLayer e:
                return new EmbeddingRunner<T>(path, e.InputDim, e.OutputDim, Values<T>(e.Embeddings), e.MaskZero);
            case MaskingLayer m:
                return new MaskingRunner<T>(path, m.MaskValue);
            case Conv1DLayer c:
                return new Conv1DRunner<T>(path, c.InputChannels ?? 0, c.Filters, c.KernelSize, c.Strides, ParsePadding(c.Padding), c.DilationRate,
                    c.Groups, ParseFormat(c.DataFormat), Values<T>(c.Kernel), ValuesOrNull<T>(c.Bias), c.Activation);
            case Pooling1DLayer p:
                return new Pooling1DRunner<T>(path, p.StoredClassName, p.IsMax, p.PoolSize, p.Strides, ParsePadding(p.Padding), ParseFormat(p.DataFormat));
            case GlobalPooling1DLayer g:
                return new GlobalPooling1DRunner<T>(path, g.StoredClassName, g.IsMax, ParseFormat(g.DataFormat), g.KeepDims,
                    g.Context.Generation != Model.Config.KerasGeneration.Keras3);
            case BatchNormalizationLayer bn:
            {
                int n = bn.MovingMean!.Data.Length;
                var scale = new T[n];
                var shift = new T[n];
                NormalizationOps.BatchNormalizationFold<T>(path, Values<T>(bn.Gamma), Values<T>(bn.Beta), Values<T>(bn.MovingMean), Values<T>(bn.MovingVariance),
                    bn.Epsilon, scale, shift);
                return new BatchNormalizationRunner<T>(path, bn.Axis, scale, shift);
            }
            case LayerNormalizationLayer ln:
            {
                int rank = ln.InputShapes.Count > 0 ? ln.InputShapes[0].Length : 3;
                var axes = ln.Axes.Select(a => a < 0 ? a + rank : a).ToArray();
                bool fused = ln.Context.Generation != Model.Config.KerasGeneration.Keras3 &&
                    NormalizationOps.Keras2UsesFusedLayerNorm(axes, rank, ln.Epsilon, ln.DType == "float32");
                return new LayerNormalizationRunner<T>(path, ln.Axes, Values<T>(ln.Gamma), Values<T>(ln.Beta), ln.Epsilon, ln.RmsScaling,
                    fused ? LayerNormalizationFormula.CenterThenScale : LayerNormalizationFormula.ScaleShift);
            }
            case ElementwiseMergeLayer m:
                return new ElementwiseMergeRunner<T>(path, m.StoredClassName, m.Operation switch
                {
                    MergeOperation.Add => MergeOp.Add,
                    MergeOperation.Subtract => MergeOp.Subtract,
                    MergeOperation.Multiply => MergeOp.Multiply,
                    MergeOperation.Average => MergeOp.Average,
                    MergeOperation.Maximum => MergeOp.Maximum,
                    _ => MergeOp.Minimum,
                }, m.Context.Generation == Model.Config.KerasGeneration.Keras3);
            case ConcatenateLayer c:
                return new ConcatenateRunner<T>(path, c.Axis);
            case FlattenLayer f:
                return new ReshapingRunner<T>(path, "Flatten", [], ParseFormat(f.DataFormat));
            case ReshapeLayer r:
                return new ReshapingRunner<T>(path, "Reshape", r.TargetShape);
            case PermuteLayer p:
                return new ReshapingRunner<T>(path, "Permute", p.Dims);
            case RepeatVectorLayer rv:
                return new ReshapingRunner<T>(path, "RepeatVector", [rv.N]);
            case PReLULayer pr:
                return new PReLURunner<T>(path, Values<T>(pr.Alpha), pr.SharedAxes);
            case RecurrentLayer r:
                return CreateRecurrent<T>(r, path, zeroOutputOverride: null, streaming);
            case BidirectionalLayer b:
            {
                bool zero = b.ReturnSequences; // Keras forces zero_output_for_mask = return_sequences on both directions
                var merge = b.MergeMode switch
                {
                    BidirectionalMergeMode.Concat => BidirectionalMerge.Concat,
                    BidirectionalMergeMode.Sum => BidirectionalMerge.Sum,
                    BidirectionalMergeMode.Mul => BidirectionalMerge.Mul,
                    BidirectionalMergeMode.Ave => BidirectionalMerge.Ave,
                    _ => BidirectionalMerge.None,
                };
                return new BidirectionalRunner<T>(path, CreateRecurrent<T>(b.Forward, path + "/" + b.Forward.Name, zero),
                    CreateRecurrent<T>(b.Backward, path + "/" + b.Backward.Name, zero), merge);
            }
            case TimeDistributedLayer td:
            {
                var inner = CreateRunner<T>(td.Inner, path + "/" + td.Inner.Name, file, streaming);
                // Dense already maps the last axis of any rank: no folding needed
                return inner is DenseRunner<T> ? inner : new TimeDistributedRunner<T>(path, inner);
            }
            default:
                throw new UnsupportedModelException(file, [new UnsupportedFeature(layer.StoredClassName, layer.Name, null,
                    "the layer is understood by the loader but KerasPort cannot run it")]);
        }
    }

    private static RecurrentRunner<T> CreateRecurrent<T>(RecurrentLayer r, string path, bool? zeroOutputOverride, bool streaming = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cell = CreateLayerCell<T>(r);
        var options = new RecurrentOptions(r.ReturnSequences, r.ReturnState, r.GoBackwards, r.Stateful || streaming, zeroOutputOverride ?? r.ZeroOutputForMask, streaming);
        return new RecurrentRunner<T>(path, r.StoredClassName, cell, options);
    }

    /// <summary>The per-step computation of a recurrent layer: its cell, or the stack of its cells.</summary>
    internal static IRecurrentCell<T> CreateLayerCell<T>(RecurrentLayer r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cells = r.Cells.Select(c => CreateCell<T>(c, r.Name)).ToArray();
        return cells.Length == 1 && !r.IsStacked ? cells[0] : new StackedCells<T>(cells);
    }

    internal static IRecurrentCell<T> CreateCell<T>(RecurrentCell spec, string layerName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (spec is CustomRecurrentCell custom)
            return new Cells.CustomCellAdapter<T>(custom.Cell, custom.InputDim ?? 0, $"layer '{layerName}' ({custom.ClassName})");
        int input = spec.InputDim ?? spec.Kernel!.Shape[0];
        var kernel = Values<T>(spec.Kernel);
        var recurrent = Values<T>(spec.RecurrentKernel);
        switch (spec)
        {
            case Model.Layers.LstmCell l:
                return new Compute.Recurrent.LstmCell<T>(input, l.Units, kernel, recurrent, ValuesOrNull<T>(l.Bias), l.Activation, l.RecurrentActivation);
            case Model.Layers.GruCell g:
            {
                T[]? inputBias = null, recurrentBias = null;
                if (g.Bias is not null)
                {
                    var all = Values<T>(g.Bias);
                    if (g.Bias.Shape.Length == 2)
                    {
                        inputBias = all[..(3 * g.Units)];
                        recurrentBias = all[(3 * g.Units)..];
                    }
                    else inputBias = all;
                }
                return new Compute.Recurrent.GruCell<T>(input, g.Units, kernel, recurrent, inputBias, g.ResetAfter ? recurrentBias : null, g.ResetAfter,
                    g.Activation, g.RecurrentActivation);
            }
            case Model.Layers.SimpleRnnCell s:
                return new Compute.Recurrent.SimpleRnnCell<T>(input, s.Units, kernel, recurrent, ValuesOrNull<T>(s.Bias), s.Activation);
            default:
                throw new InvalidOperationException("cell " + spec.ClassName);
        }
    }
}
