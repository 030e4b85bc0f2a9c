namespace KerasPort.Model;

/// <summary>One stored weight tensor, as Keras saved it (row-major, Keras's own shape).</summary>
/// <remarks>Values are held as float64; float32 files convert exactly, so the float32 compute path sees the stored bits.</remarks>
public sealed class WeightTensor
{
    /// <summary>Creates a weight tensor; <paramref name="data"/> length must equal the product of <paramref name="shape"/>.</summary>
    /// <exception cref="ShapeMismatchException">A dimension is negative, or the data does not fill the shape.</exception>
    public WeightTensor(string name, int[] shape, double[] data, string dtype = "float32")
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ShapeMismatchException($"weight '{name}': shape [{string.Join(", ", shape)}] has a negative dimension");
            n *= d;
        }
        if (n != data.Length)
            throw new ShapeMismatchException($"weight '{name}': shape [{string.Join(", ", shape)}] holds {n} values but {data.Length} were given");
        Name = name;
        Shape = shape;
        Data = data;
        DType = dtype;
    }

    /// <summary>The weight's name as stored (e.g. <c>lstm_1/kernel:0</c>, or a canonical name such as <c>kernel</c> for .keras archives).</summary>
    public string Name { get; }

    /// <summary>The shape Keras stores (e.g. LSTM kernel (input_dim, 4*units)).</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major.</summary>
    public double[] Data { get; }

    /// <summary>The stored dtype: <c>float32</c> or <c>float64</c>.</summary>
    public string DType { get; }

    /// <summary>The shape as Keras prints it, e.g. <c>(8, 128)</c>.</summary>
    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");

    /// <summary>The short name: the last path segment without the <c>:0</c> suffix (e.g. <c>kernel</c>).</summary>
    public string ShortName
    {
        get
        {
            var s = Name;
            int slash = s.LastIndexOf('/');
            if (slash >= 0) s = s[(slash + 1)..];
            int colon = s.LastIndexOf(':');
            if (colon >= 0) s = s[..colon];
            return s;
        }
    }
}
