namespace KerasPort.Formats.Arrays;

/// <summary>A named n-dimensional array (row-major), as read from reference data, <c>.npy</c>/<c>.npz</c> or JSON tensor files.</summary>
internal sealed class NamedArray
{
    /// <summary>Creates an array; <paramref name="data"/> length must equal the product of <paramref name="shape"/>.</summary>
    /// <exception cref="ShapeMismatchException">The data does not fill the shape.</exception>
    public NamedArray(string name, int[] shape, double[] data, string dtype = "float32")
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ShapeMismatchException($"array '{name}': shape [{string.Join(", ", shape)}] has a negative dimension");
            n *= d;
        }
        if (n != data.LongLength)
            throw new ShapeMismatchException($"array '{name}': shape [{string.Join(", ", shape)}] holds {n} values but {data.LongLength} were given");
        Name = name;
        Shape = shape;
        Data = data;
        DType = dtype;
    }

    /// <summary>The array's name (dataset name, <c>.npz</c> key, or JSON <c>name</c>).</summary>
    public string Name { get; }

    /// <summary>The shape, outermost dimension first; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major (C order).</summary>
    public double[] Data { get; }

    /// <summary>The stored element type: <c>float32</c> or <c>float64</c> (reference files may also hold integer types).</summary>
    public string DType { get; }

    /// <summary>The shape as NumPy prints it, e.g. <c>(100, 4, 1)</c>.</summary>
    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");

    /// <summary>A copy with another name.</summary>
    public NamedArray WithName(string name) => new(name, Shape, Data, DType);
}
