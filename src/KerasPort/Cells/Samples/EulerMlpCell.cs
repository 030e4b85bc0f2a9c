using System.Numerics;
using KerasPort.Compute;
using KerasPort.Model;

namespace KerasPort.Cells.Samples;

/// <summary>
/// A deep-unfolded neural ODE: one explicit Euler step x′ = x + η·MLP(x) per time step, the MLP being Dense layers
/// (weights as Keras stores them: kernel (in, out), bias (out)). One state x of width n = the MLP's input and output
/// width; the output is x′; inputs are ignored (the system is autonomous).
/// </summary>
public sealed class EulerMlpCell : CustomCell
{
    /// <summary>The Keras class name this sample registers under.</summary>
    public const string KerasClassName = "EulerMLPCell";

    /// <summary>One Dense layer of the MLP: y = activation(x·kernel + bias).</summary>
    /// <param name="Kernel">The kernel, shape (in, out).</param>
    /// <param name="Bias">The bias, shape (out,), or null for use_bias=False.</param>
    /// <param name="Activation">The layer's activation.</param>
    public sealed record DenseLayer(WeightTensor Kernel, WeightTensor? Bias, Activation Activation);

    private readonly CellWeight[] _kernels;
    private readonly CellWeight?[] _biases;
    private readonly Activation[] _activations;
    private readonly int[] _widths; // widths[0] = n, widths[i + 1] = output of layer i
    private readonly int[] _stateSizes;
    private readonly int _maxWidth;

    /// <summary>An Euler cell around the given Dense layers with step size <paramref name="eta"/>.</summary>
    /// <exception cref="ShapeMismatchException">The layers do not chain, or the MLP does not map ℝⁿ to ℝⁿ.</exception>
    public EulerMlpCell(IReadOnlyList<DenseLayer> layers, double eta)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new InvalidModelArgumentException($"{KerasClassName}: the MLP needs at least one Dense layer");
        Eta = eta;
        _kernels = new CellWeight[layers.Count];
        _biases = new CellWeight?[layers.Count];
        _activations = new Activation[layers.Count];
        _widths = new int[layers.Count + 1];
        for (int i = 0; i < layers.Count; i++)
        {
            var (kernel, bias, activation) = layers[i];
            if (kernel.Shape.Length != 2)
                throw new ShapeMismatchException($"{KerasClassName}: Dense layer {i} kernel '{kernel.Name}' has shape {kernel.ShapeText}, expected (in, out)");
            if (i == 0) _widths[0] = kernel.Shape[0];
            else if (kernel.Shape[0] != _widths[i])
                throw new ShapeMismatchException($"{KerasClassName}: Dense layer {i} kernel '{kernel.Name}' has shape {kernel.ShapeText}, expected ({_widths[i]}, …) to follow the previous layer");
            _widths[i + 1] = kernel.Shape[1];
            if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != kernel.Shape[1]))
                throw new ShapeMismatchException($"{KerasClassName}: Dense layer {i} bias '{bias.Name}' has shape {bias.ShapeText}, expected ({kernel.Shape[1]},)");
            if (!activation.IsElementwise || activation.Kind == ActivationKind.Gelu)
                throw new UnsupportedModelException(KerasClassName, [new UnsupportedFeature("Dense", kernel.Name, "activation", $"{activation.Kind} is not supported in {KerasClassName}")]);
            _kernels[i] = new CellWeight(kernel);
            _biases[i] = bias is null ? null : new CellWeight(bias);
            _activations[i] = activation;
        }
        if (_widths[^1] != _widths[0])
            throw new ShapeMismatchException($"{KerasClassName}: the MLP maps {_widths[0]} features to {_widths[^1]}; an Euler step needs the same width in and out");
        _stateSizes = [_widths[0]];
        _maxWidth = _widths.Max();
    }

    /// <summary>
    /// Builds the cell from a Keras config (<c>eta</c>, and <c>activations</c>: one name per Dense layer, default tanh for
    /// hidden layers and linear for the last) and weights stored as kernel, bias pairs in layer order.
    /// </summary>
    public EulerMlpCell(CustomCellContext context) : this(LayersFrom(context), context.GetDouble("eta"))
    {
    }

    /// <summary>Registers <see cref="KerasClassName"/> in <paramref name="registry"/> (the global one when null).</summary>
    public static void Register(CustomCellRegistry? registry = null) =>
        (registry ?? CustomCellRegistry.Global).Register(KerasClassName, context => new EulerMlpCell(context));

    private static List<DenseLayer> LayersFrom(CustomCellContext context)
    {
        var kernels = new List<(WeightTensor Kernel, WeightTensor? Bias)>();
        foreach (var w in context.Weights)
        {
            if (w.Tensor.Shape.Length == 2) kernels.Add((w.Tensor, null));
            else if (w.Tensor.Shape.Length == 1 && kernels.Count > 0 && kernels[^1].Bias is null) kernels[^1] = (kernels[^1].Kernel, w.Tensor);
            else throw new ShapeMismatchException($"layer '{context.LayerName}' ({context.ClassName}): weight '{w.Tensor.Name}' with shape {w.Tensor.ShapeText} is neither a kernel nor the bias following one");
        }
        var names = context.Config["activations"] as Newtonsoft.Json.Linq.JArray;
        if (names is not null && names.Count != kernels.Count)
            throw new CorruptModelFileException($"layer '{context.LayerName}' ({context.ClassName}): {names.Count} activations for {kernels.Count} Dense layers");
        var layers = new List<DenseLayer>();
        for (int i = 0; i < kernels.Count; i++)
        {
            string name = names?[i]?.Type == Newtonsoft.Json.Linq.JTokenType.String ? (string)names[i]! : i == kernels.Count - 1 ? "linear" : "tanh";
            var activation = CellActivations.FromName(name, context.KerasVersion?.StartsWith('3') == true)
                ?? throw new UnsupportedModelException(context.LayerName, [new UnsupportedFeature(context.ClassName, context.LayerName, "activations", $"activation '{name}' is not supported")]);
            layers.Add(new DenseLayer(kernels[i].Kernel, kernels[i].Bias, activation));
        }
        return layers;
    }

    /// <summary>The Euler step size η.</summary>
    public double Eta { get; }

    /// <summary>The state width n.</summary>
    public int Dimension => _widths[0];

    /// <inheritdoc />
    public override IReadOnlyList<int> StateSizes => _stateSizes;

    /// <inheritdoc />
    public override int OutputSize => Dimension;

    /// <inheritdoc />
    public override int ScratchPerRow => 2 * _maxWidth;

    /// <inheritdoc />
    public override void Step<T>(int batch, ReadOnlySpan<T> inputs, ReadOnlyCellStates<T> states, CellStates<T> newStates, Span<T> output, Span<T> scratch)
    {
        int n = Dimension, width = _maxWidth;
        T eta = T.CreateTruncating(Eta);
        for (int r = 0; r < batch; r++)
        {
            var x = states.Row(0, r);
            var a = scratch.Slice(2 * width * r, width);
            var c = scratch.Slice(2 * width * r + width, width);
            x.CopyTo(a);
            for (int l = 0; l < _kernels.Length; l++)
            {
                int inW = _widths[l], outW = _widths[l + 1];
                var K = _kernels[l].As<T>();
                var y = c[..outW];
                y.Clear();
                for (int k = 0; k < inW; k++)
                {
                    T ak = a[k];
                    var kRow = K.Slice(k * outW, outW);
                    for (int j = 0; j < outW; j++) y[j] += ak * kRow[j];
                }
                if (_biases[l] is { } bias)
                {
                    var bv = bias.As<T>();
                    for (int j = 0; j < outW; j++) y[j] += bv[j];
                }
                CellActivations.Apply(_activations[l], y);
                var swap = a;
                a = c;
                c = swap;
            }
            var next = newStates.Row(0, r);
            for (int i = 0; i < n; i++) next[i] = x[i] + eta * a[i];
            next.CopyTo(output.Slice(r * n, n));
        }
    }
}
