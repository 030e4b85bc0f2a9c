using KerasPort.Compute;
using KerasPort.Model.Config;
using KerasPort.Model.Weights;

namespace KerasPort.Model.Layers;

/// <summary>Conv1D (Keras 1 Convolution1D / AtrousConvolution1D): 1-D convolution (cross-correlation, as TensorFlow computes it).</summary>
public sealed class Conv1DLayer : Layer
{
    internal Conv1DLayer(LayerConfig c) : base(c)
    {
        Filters = c.RequiredInt("filters");
        KernelSize = c.IntOrNull("kernel_size") ?? throw new CorruptModelFileException($"{c.Context.File}: layer '{c.Name}' (Conv1D) has no kernel_size");
        Strides = c.Int("strides", 1);
        Padding = c.String("padding", "valid");
        DataFormat = c.String("data_format", "channels_last");
        DilationRate = c.Int("dilation_rate", 1);
        Groups = c.Int("groups", 1);
        Activation = c.Activation("activation", "linear");
        UseBias = c.Bool("use_bias", true);
    }

    /// <summary><c>filters</c>: output channels.</summary>
    public int Filters { get; }
    /// <summary><c>kernel_size</c>.</summary>
    public int KernelSize { get; }
    /// <summary><c>strides</c>.</summary>
    public int Strides { get; }
    /// <summary><c>padding</c>: valid, same or causal.</summary>
    public string Padding { get; }
    /// <summary><c>data_format</c>: channels_last (supported) or channels_first.</summary>
    public string DataFormat { get; }
    /// <summary><c>dilation_rate</c>.</summary>
    public int DilationRate { get; }
    /// <summary><c>groups</c>.</summary>
    public int Groups { get; }
    /// <summary><c>activation</c>.</summary>
    public Activation Activation { get; }
    /// <summary><c>use_bias</c>.</summary>
    public bool UseBias { get; }
    /// <summary>Input channels, from the inferred input shape.</summary>
    public int? InputChannels { get; private set; }

    /// <summary>The kernel in TensorFlow layout (kernel_size, input_channels / groups, filters), converted from Keras 1 / Theano layouts when needed.</summary>
    public WeightTensor? Kernel { get; private set; }

    /// <summary>The bias (filters), or null.</summary>
    public WeightTensor? Bias { get; private set; }

    internal override IReadOnlyList<WeightSlot> WeightSlots
    {
        get
        {
            var k = new WeightSlot("kernel", [KernelSize, InputChannels is int c ? c / Math.Max(Groups, 1) : null, Filters], "W");
            return UseBias ? [k, new("bias", [Filters], "b")] : [k];
        }
    }

    internal override void Build(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3, 3);
        InputChannels = DataFormat == "channels_first" ? inputs[0][1] : inputs[0][2];
    }

    /// <summary>Keras's <c>conv_output_length</c>.</summary>
    internal static int? OutputLength(int? length, int window, string padding, int stride, int dilation)
    {
        if (length is not int l) return null;
        int dilated = window + (window - 1) * (dilation - 1);
        int o = padding switch { "same" or "causal" => l, "full" => l + dilated - 1, _ => l - dilated + 1 };
        return (o + stride - 1) / stride;
    }

    internal override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputs, IReadOnlyList<int?[]> initialState)
    {
        ExpectInputs(inputs, 1);
        ExpectRank(inputs[0], 3, 3);
        var x = inputs[0];
        bool first = DataFormat == "channels_first";
        var len = OutputLength(first ? x[2] : x[1], KernelSize, Padding, Strides, DilationRate);
        if (len is <= 0) throw InputMismatch($"input {Shapes.Format(x)} is shorter than the kernel ({KernelSize}, dilation {DilationRate})");
        return [first ? [x[0], Filters, len] : [x[0], len, Filters]];
    }

    internal override void Bind(WeightSource source)
    {
        var slots = WeightSlots;
        if (source is LegacyWeightSource legacy && legacy.Tensors.Any(t => t.Shape.Length == 4))
        {
            // Keras 1: (filter_length, 1, input_dim, nb_filter), or Keras 1.1's (nb_filter, input_dim, filter_length, 1).
            var loose = slots.Select((s, i) => i == 0 ? s with { Shape = [null, null, null, null] } : s).ToList();
            Weights = source.Take(this, loose, null);
            var raw = Weights[0];
            var s = raw.Shape;
            double[] data;
            int len, inCh;
            if (s[1] == 1 && s[3] == Filters)
            {
                len = s[0]; inCh = s[2];
                data = raw.Data;
            }
            else if (s[0] == Filters && s[3] == 1)
            {
                len = s[2]; inCh = s[1];
                data = new double[raw.Data.Length];
                for (int f = 0; f < Filters; f++)
                    for (int c = 0; c < inCh; c++)
                        for (int t = 0; t < len; t++)
                            data[(t * inCh + c) * Filters + f] = raw.Data[(f * inCh + c) * len + t];
            }
            else throw new ShapeMismatchException($"{Context.File}: layer '{Name}' ({StoredClassName}): Keras 1 kernel '{raw.Name}' has shape {raw.ShapeText}, which fits no known Conv1D layout for {Filters} filters of length {KernelSize}");
            Kernel = new WeightTensor("kernel", [len, inCh, Filters], data, raw.DType);
            source.CheckShape(this, slots[0], Kernel, "after conversion from the Keras 1 layout");
        }
        else
        {
            Weights = source.Take(this, slots, null);
            Kernel = Weights[0];
        }
        Bias = UseBias ? Weights[1] : null;
        // Theano computes true convolutions: Keras flips such kernels when loading them on TensorFlow (convert_kernel).
        if (string.Equals(Context.Backend, "theano", StringComparison.OrdinalIgnoreCase)) Kernel = TensorOps.FlipConv1DKernel(Kernel);
    }

    internal override void CheckSupport(LoadContext context)
    {
        base.CheckSupport(context);
        if (DataFormat is not ("channels_last" or "channels_first")) context.Refuse(StoredClassName, Name, "data_format", $"data_format '{DataFormat}' is not supported");
        if (Padding is not ("valid" or "same" or "causal")) context.Refuse(StoredClassName, Name, "padding", $"padding '{Padding}' is not supported");
        if (Strides > 1 && DilationRate > 1) context.Refuse(StoredClassName, Name, "dilation_rate", "strides > 1 together with dilation_rate > 1 is not supported");
    }
}
