using System.Numerics;

namespace KerasPort.Compute.Ops;

/// <summary>Inference math of Keras's <c>Embedding</c> layer.</summary>
internal static class EmbeddingOps
{
    /// <summary>
    /// Looks up each id: <c>output[p, :] = embeddings[id_p, :]</c>. Ids arrive as floating values (Keras casts non-integer
    /// inputs with <c>cast(inputs, "int32")</c>, which truncates toward zero, so 2.7 reads row 2 and -0.5 reads row 0).
    /// An id outside [0, inputDim) after truncation, or a NaN/infinite id, is an <see cref="InvalidModelArgumentException"/>
    /// (TensorFlow raises there too; it never clamps).
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="ids">Ids of any shape (typically (batch, input_length)), row-major.</param>
    /// <param name="embeddings">The <c>embeddings</c> weight, shape (input_dim, output_dim).</param>
    /// <param name="inputDim">Keras's <c>input_dim</c> (vocabulary size).</param>
    /// <param name="outputDim">Keras's <c>output_dim</c>.</param>
    /// <param name="output">Output of shape (*ids.shape, output_dim).</param>
    public static void Lookup<T>(string layer, ReadOnlySpan<T> ids, ReadOnlySpan<T> embeddings, int inputDim, int outputDim,
        Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        OpShapes.RequirePositive(layer, "input_dim", inputDim);
        OpShapes.RequirePositive(layer, "output_dim", outputDim);
        OpShapes.RequireLength(layer, "embeddings", embeddings.Length, (long)inputDim * outputDim, $"(shape ({inputDim}, {outputDim}))");
        OpShapes.RequireLength(layer, "output", output.Length, (long)ids.Length * outputDim, $"({ids.Length} ids × output_dim {outputDim})");
        for (int p = 0; p < ids.Length; p++)
        {
            double v = double.CreateTruncating(ids[p]);
            if (!double.IsFinite(v))
                throw new InvalidModelArgumentException($"Layer '{layer}': input id at position {p} is {v}, not an integer index in [0, {inputDim}).");
            double t = Math.Truncate(v);
            if (t < 0 || t >= inputDim)
                throw new InvalidModelArgumentException(
                    $"Layer '{layer}': input id {v} at position {p} is out of range; the Embedding has input_dim {inputDim} (valid ids 0..{inputDim - 1}).");
            embeddings.Slice((int)t * outputDim, outputDim).CopyTo(output.Slice(p * outputDim, outputDim));
        }
    }

    /// <summary>
    /// The <c>mask_zero=True</c> mask: <c>mask[p] = ids[p] != 0</c>, compared on the raw (uncast) input values as Keras
    /// does, so an id of 0.5 is kept by the mask although it reads row 0.
    /// </summary>
    /// <param name="ids">Ids of any shape.</param>
    /// <param name="mask">One flag per id (true = keep the timestep).</param>
    public static void MaskZero<T>(ReadOnlySpan<T> ids, Span<bool> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mask.Length != ids.Length)
            throw new ShapeMismatchException($"Embedding mask buffer has {mask.Length} entries for {ids.Length} ids.");
        for (int p = 0; p < ids.Length; p++) mask[p] = ids[p] != T.Zero;
    }
}
