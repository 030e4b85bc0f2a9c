using System.Numerics;

namespace KerasPort.Compute.Ops;

/// <summary>Inference math of Keras's <c>Masking</c> layer.</summary>
internal static class MaskingOps
{
    /// <summary>
    /// Keras's <c>Masking</c>: <c>keep = any(input != mask_value, axis=-1)</c>; <c>output = input · cast(keep)</c> (a real
    /// multiplication, so a masked row of ±inf becomes NaN exactly as in Keras); <c>mask = keep</c>. A NaN
    /// <c>mask_value</c> never masks anything (NaN != NaN).
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape (..., features), typically (batch, timesteps, features).</param>
    /// <param name="features">Size of the last axis.</param>
    /// <param name="maskValue">Keras's <c>mask_value</c>, converted to T as Keras converts it to the input dtype.</param>
    /// <param name="output">Output of the input's shape; may be the same span as <paramref name="input"/>.</param>
    /// <param name="mask">One flag per row of the last axis, shape (...) e.g. (batch, timesteps); true = keep.</param>
    public static void Apply<T>(string layer, ReadOnlySpan<T> input, int features, double maskValue, Span<T> output, Span<bool> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        OpShapes.RequirePositive(layer, "feature dimension", features);
        if (input.Length % features != 0)
            throw new ShapeMismatchException($"Layer '{layer}': input has {input.Length} elements, not a multiple of the feature size {features}.");
        int rows = input.Length / features;
        OpShapes.RequireLength(layer, "output", output.Length, input.Length, $"(same shape as the input)");
        OpShapes.RequireLength(layer, "mask", mask.Length, rows, $"(one per timestep)");
        T mv = T.CreateTruncating(maskValue);
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * features, features);
            bool keep = false;
            foreach (T v in x)
            {
                if (v != mv) { keep = true; break; }
            }
            mask[r] = keep;
            T factor = keep ? T.One : T.Zero;
            var y = output.Slice(r * features, features);
            for (int f = 0; f < features; f++) y[f] = x[f] * factor;
        }
    }
}
