using System.Numerics;
using KerasPort.Compute;
using KerasPort.Model;

namespace KerasPort.Cells.Samples;

/// <summary>
/// A deep-unfolded neural ODE: one explicit Euler step x′ = x + η·MLP(x) per time step, the MLP being Dense layers
/// (weights as Keras stores them: kernel (in, out), bias (out)). One state x of width n = the MLP's input and output
/// width; the output is x′; inputs are ignored (the system is autonomous).
/// </summary>
/// <remarks>
/// Three ways to make one: from Dense weights in hand (<see cref="EulerMlpCell(IReadOnlyList{DenseLayer}, double)"/>), from a
/// Keras MLP model loaded with <see cref="KerasModel.Load(string, KerasModelLoadOptions?)"/> (<see cref="FromDenseModel"/>), or
/// from a model file holding <c>RNN(cell=EulerMLPCell(...))</c> once <see cref="Register"/> was called. In that file the
/// cell's config has <c>units</c> (n), <c>hidden_units</c> (list, default empty), <c>activations</c> (one per Dense layer;
/// default tanh for hidden layers, linear for the last), <c>use_bias</c> (default true) and <c>eta</c>; its weights are
/// <c>kernel_0</c>, <c>bias_0</c>, <c>kernel_1</c>, <c>bias_1</c>, … in that order.
/// </remarks>
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
    /// <exception cref="UnsupportedModelException">A layer's activation cannot run in the cell.</exception>
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
            _kernels[i] = new CellWeight(kernel);
            _biases[i] = bias is null ? null : new CellWeight(bias);
            _activations[i] = CheckActivation(activation, kernel.Name);
        }
        if (_widths[^1] != _widths[0])
            throw new ShapeMismatchException($"{KerasClassName}: the MLP maps {_widths[0]} features to {_widths[^1]}; an Euler step needs the same width in and out");
        _stateSizes = [_widths[0]];
        _maxWidth = _widths.Max();
    }

    /// <summary>
    /// Constructs the cell from its Keras config (see the remarks) and declares its Dense weights, which the model loader
    /// then fills from the file.
    /// </summary>
    /// <exception cref="KerasPortException">A config entry is missing or invalid.</exception>
    public EulerMlpCell(CustomCellContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string where = $"layer '{context.LayerName}' ({context.ClassName})";
        int n = context.GetInt("units");
        var hidden = context.GetIntList("hidden_units", []);
        if (n <= 0 || hidden.Any(h => h <= 0))
            throw new CorruptModelFileException($"{where}: units and hidden_units must be positive, found units={n}, hidden_units=[{string.Join(", ", hidden)}]");
        Eta = context.GetDouble("eta");
        _widths = [n, .. hidden, n];
        int count = hidden.Length + 1;
        var names = context.Config["activations"];
        if (names is not null && names.Type != Newtonsoft.Json.Linq.JTokenType.Null && (names is not Newtonsoft.Json.Linq.JArray list || list.Count != count))
            throw new CorruptModelFileException($"{where}: 'activations' must list one activation per Dense layer ({count}), found {names.ToString(Newtonsoft.Json.Formatting.None)}");
        bool useBias = context.GetBool("use_bias", true);
        _kernels = new CellWeight[count];
        _biases = new CellWeight?[count];
        _activations = new Activation[count];
        for (int i = 0; i < count; i++)
        {
            var token = names is Newtonsoft.Json.Linq.JArray a ? a[i] : null;
            _activations[i] = CheckActivation(context.ParseActivation(token, i == count - 1 ? "linear" : "tanh", $"activations[{i}]"), where);
            _kernels[i] = context.AddWeight($"kernel_{i}", [_widths[i], _widths[i + 1]]);
            _biases[i] = useBias ? context.AddWeight($"bias_{i}", [_widths[i + 1]]) : null;
        }
        _stateSizes = [n];
        _maxWidth = _widths.Max();
    }

    /// <summary>
    /// An Euler cell around the Dense layers of a loaded Keras MLP (a Sequential or chain of <c>Dense</c> layers; input,
    /// dropout-like and other inference-identity layers are skipped).
    /// </summary>
    /// <exception cref="InvalidModelArgumentException">The model has no weights or holds a layer other than Dense.</exception>
    /// <exception cref="ShapeMismatchException">The MLP does not map ℝⁿ to ℝⁿ.</exception>
    public static EulerMlpCell FromDenseModel(KerasModel mlp, double eta)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        if (!mlp.HasWeights) throw new InvalidModelArgumentException($"{mlp.SourcePath}: the model has no weights; an Euler cell needs the MLP's trained weights");
        var layers = new List<DenseLayer>();
        foreach (var layer in mlp.Layers)
        {
            switch (layer)
            {
                case Model.Layers.InputLayerSpec:
                    continue;
                case Model.Layers.DenseLayer d:
                    layers.Add(new DenseLayer(d.Kernel!, d.Bias, d.Activation));
                    continue;
                case { IsIdentityAtInference: true }:
                    continue;
                default:
                    throw new InvalidModelArgumentException(
                        $"{mlp.SourcePath}: layer '{layer.Name}' ({layer.StoredClassName}) is not Dense; {KerasClassName} wraps a chain of Dense layers");
            }
        }
        return new EulerMlpCell(layers, eta);
    }

    /// <summary>Registers <see cref="KerasClassName"/> in <paramref name="registry"/> (the global one when null).</summary>
    public static void Register(CustomCellRegistry? registry = null) =>
        (registry ?? CustomCellRegistry.Global).Register(KerasClassName, context => new EulerMlpCell(context));

    private static Activation CheckActivation(Activation activation, string where)
    {
        if (!activation.IsElementwise || activation.Kind == ActivationKind.Gelu)
            throw new UnsupportedModelException(KerasClassName, [new UnsupportedFeature("Dense", where, "activation", $"{activation.Kind} is not supported in {KerasClassName}")]);
        return activation;
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
