using System.Numerics;
using System.Numerics.Tensors;

namespace KerasPort.Compute.Ops;

/// <summary>Inference math of Keras's core <c>Dense</c> layer (reference loop; the GEMM kernel may replace it).</summary>
internal static class CoreOps
{
    /// <summary>
    /// <c>Dense</c> over the last axis: <c>output[r, u] = (Σ_i input[r, i] · kernel[i, u]) + bias[u]</c>, the sum taken in
    /// order of i, the bias added after the sum (as Keras adds it after the matmul). The activation is the caller's.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape (..., inputDim), row-major; its length must be a multiple of <paramref name="inputDim"/>.</param>
    /// <param name="inputDim">Size of the input's last axis.</param>
    /// <param name="kernel">The <c>kernel</c> weight, shape (inputDim, units).</param>
    /// <param name="units">Keras's <c>units</c>.</param>
    /// <param name="bias">The <c>bias</c> weight, shape (units,), or empty when <c>use_bias=False</c>.</param>
    /// <param name="output">Output of shape (..., units); must not overlap <paramref name="input"/>.</param>
    public static void Dense<T>(string layer, ReadOnlySpan<T> input, int inputDim, ReadOnlySpan<T> kernel, int units,
        ReadOnlySpan<T> bias, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        OpShapes.RequirePositive(layer, "input dimension", inputDim);
        OpShapes.RequirePositive(layer, "units", units);
        if (input.Length % inputDim != 0)
            throw new ShapeMismatchException($"Layer '{layer}': input has {input.Length} elements, not a multiple of the last-axis size {inputDim}.");
        int rows = input.Length / inputDim;
        OpShapes.RequireLength(layer, "kernel", kernel.Length, (long)inputDim * units, $"(shape ({inputDim}, {units}))");
        if (!bias.IsEmpty) OpShapes.RequireLength(layer, "bias", bias.Length, units, $"(shape ({units},))");
        OpShapes.RequireLength(layer, "output", output.Length, (long)rows * units, $"(shape (..., {units}) for {rows} rows)");

        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * inputDim, inputDim);
            var y = output.Slice(r * units, units);
            y.Clear();
            for (int i = 0; i < inputDim; i++)
                TensorPrimitives.MultiplyAdd(kernel.Slice(i * units, units), x[i], y, y);
            if (!bias.IsEmpty) TensorPrimitives.Add(y, bias, y);
        }
    }
}
