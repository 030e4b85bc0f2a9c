using System.Numerics;
using System.Numerics.Tensors;

namespace KerasPort.Compute.Ops;

/// <summary>The elementwise Keras merge layers.</summary>
internal enum MergeOp
{
    /// <summary><c>Add</c>: ((x0 + x1) + x2) + ...</summary>
    Add,
    /// <summary><c>Subtract</c>: x0 − x1 (exactly two inputs).</summary>
    Subtract,
    /// <summary><c>Multiply</c>: ((x0 · x1) · x2) · ...</summary>
    Multiply,
    /// <summary><c>Average</c>: (((x0 + x1) + x2) + ...) / n.</summary>
    Average,
    /// <summary><c>Maximum</c>: max(max(x0, x1), x2) ... (NaN propagates).</summary>
    Maximum,
    /// <summary><c>Minimum</c>: min(min(x0, x1), x2) ... (NaN propagates).</summary>
    Minimum,
}

/// <summary>Inference math of Keras's merge layers (<c>Concatenate</c> and the elementwise ones).</summary>
internal static class MergeOps
{
    /// <summary>
    /// The output shape of <c>Concatenate</c>: all inputs must have the same rank and equal sizes on every axis but
    /// <paramref name="axis"/>, whose sizes add up.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="shapes">Each input's shape, batch first.</param>
    /// <param name="axis">Keras's <c>axis</c> (default −1; negative counts from the end; batch axis included in the count).</param>
    public static int[] ConcatenateOutputShape(string layer, ReadOnlySpan<int[]> shapes, int axis)
    {
        if (shapes.Length < 1) throw new InvalidModelArgumentException($"Layer '{layer}': Concatenate needs at least one input.");
        int rank = shapes[0].Length;
        int a = OpShapes.NormalizeAxis(layer, axis, rank);
        var result = (int[])shapes[0].Clone();
        long sum = shapes[0][a];
        for (int i = 1; i < shapes.Length; i++)
        {
            var s = shapes[i];
            bool ok = s.Length == rank;
            for (int d = 0; ok && d < rank; d++) ok = d == a || s[d] == result[d];
            if (!ok)
                throw new ShapeMismatchException(
                    $"Layer '{layer}': Concatenate on axis {axis} needs inputs whose shapes match except on that axis; input 0 has shape {OpShapes.Format(shapes[0])} but input {i} has shape {OpShapes.Format(s)}.");
            sum += s[a];
        }
        if (sum > int.MaxValue) throw new ShapeMismatchException($"Layer '{layer}': the concatenated axis would have {sum} entries.");
        result[a] = (int)sum;
        OpShapes.Product(layer, "output", result);
        return result;
    }

    /// <summary>
    /// <c>Concatenate</c> along <paramref name="axis"/>: for each position of the axes before it, the inputs' blocks
    /// (their axis and everything after) are written one after another.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="inputs">The input tensors, row-major.</param>
    /// <param name="shapes">Their shapes, batch first (see <see cref="ConcatenateOutputShape"/>).</param>
    /// <param name="axis">Keras's <c>axis</c>.</param>
    /// <param name="output">Output of <see cref="ConcatenateOutputShape"/>'s shape; must not overlap the inputs.</param>
    public static void Concatenate<T>(string layer, ReadOnlySpan<ReadOnlyMemory<T>> inputs, ReadOnlySpan<int[]> shapes, int axis, Span<T> output)
        where T : unmanaged
    {
        if (inputs.Length != shapes.Length)
            throw new InvalidModelArgumentException($"Layer '{layer}': {inputs.Length} inputs but {shapes.Length} shapes.");
        int rank = shapes[0].Length;
        int a = OpShapes.NormalizeAxis(layer, axis, rank);
        int axisTotal = 0;
        for (int i = 0; i < shapes.Length; i++)
        {
            // validates the shapes (allocating only when they do not fit)
            if (shapes[i].Length != rank) ConcatenateOutputShape(layer, shapes, axis);
            for (int d = 0; d < rank; d++)
                if (d != a && shapes[i][d] != shapes[0][d]) ConcatenateOutputShape(layer, shapes, axis);
            axisTotal += shapes[i][a];
        }
        for (int i = 0; i < inputs.Length; i++)
            OpShapes.RequireLength(layer, "input", inputs[i].Length, OpShapes.Product(layer, "input", shapes[i]), $"(input {i}, shape {OpShapes.Format(shapes[i])})");
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= shapes[0][d];
        for (int d = a + 1; d < rank; d++) inner *= shapes[0][d];
        OpShapes.RequireLength(layer, "output", output.Length, (long)outer * axisTotal * inner, $"(the concatenation of the inputs along axis {axis})");
        int p = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                int block = shapes[i][a] * inner;
                inputs[i].Span.Slice(o * block, block).CopyTo(output.Slice(p, block));
                p += block;
            }
        }
    }

    /// <summary>
    /// The output shape of an elementwise merge. Keras first brings all inputs to the same rank by inserting size-1 axes
    /// right after the batch axis, then broadcasts numpy-style (each axis: equal sizes, or one of them 1). Batch sizes
    /// must be equal. <c>Subtract</c> takes exactly two inputs, the others at least one.
    /// </summary>
    public static int[] ElementwiseOutputShape(string layer, MergeOp op, ReadOnlySpan<int[]> shapes)
    {
        if (shapes.Length < 1) throw new InvalidModelArgumentException($"Layer '{layer}': a merge layer needs at least one input.");
        if (op == MergeOp.Subtract && shapes.Length != 2)
            throw new InvalidModelArgumentException($"Layer '{layer}': Subtract needs exactly 2 inputs, got {shapes.Length}.");
        int rank = 0;
        foreach (var s in shapes)
        {
            if (s.Length < 1) throw new ShapeMismatchException($"Layer '{layer}': merge inputs need a batch axis; found a scalar.");
            rank = Math.Max(rank, s.Length);
        }
        OpShapes.RequireRank(layer, "an input", rank);
        var result = new int[rank];
        result[0] = shapes[0][0];
        for (int d = 1; d < rank; d++) result[d] = 1;
        Span<int> expanded = stackalloc int[rank];
        for (int i = 0; i < shapes.Length; i++)
        {
            Expand(shapes[i], expanded);
            if (expanded[0] != result[0])
                throw new ShapeMismatchException(
                    $"Layer '{layer}': cannot merge tensors with different batch sizes: input 0 has shape {OpShapes.Format(shapes[0])}, input {i} has shape {OpShapes.Format(shapes[i])}.");
            for (int d = 1; d < rank; d++)
            {
                int x = expanded[d], r = result[d];
                if (x == r || x == 1) continue;
                if (r == 1) { result[d] = x; continue; }
                throw new ShapeMismatchException(
                    $"Layer '{layer}': inputs have incompatible shapes for an elementwise merge: {OpShapes.Format(shapes[0])} and {OpShapes.Format(shapes[i])} (after aligning ranks, axis {d} has sizes {r} and {x}).");
            }
        }
        OpShapes.Product(layer, "output", result);
        return result;
    }

    /// <summary>
    /// <c>Add</c>, <c>Subtract</c>, <c>Multiply</c>, <c>Average</c>, <c>Maximum</c>, <c>Minimum</c> over N inputs, folded left
    /// to right as Keras does (<c>out = op(out, x_i)</c>), with Keras's broadcasting (see
    /// <see cref="ElementwiseOutputShape"/>). Average divides the sum by N at the end. Masks are not applied here: Keras
    /// passes the values through unchanged and only combines the masks (see the report for the mask rules).
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="op">Which merge.</param>
    /// <param name="inputs">The input tensors, row-major.</param>
    /// <param name="shapes">Their shapes, batch first.</param>
    /// <param name="output">Output of <see cref="ElementwiseOutputShape"/>'s shape; must not overlap inputs 1..N−1
    /// (it may be input 0 itself when input 0 already has the output's shape).</param>
    public static void Elementwise<T>(string layer, MergeOp op, ReadOnlySpan<ReadOnlyMemory<T>> inputs, ReadOnlySpan<int[]> shapes, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inputs.Length != shapes.Length)
            throw new InvalidModelArgumentException($"Layer '{layer}': {inputs.Length} inputs but {shapes.Length} shapes.");
        var outShape = ElementwiseOutputShape(layer, op, shapes);
        int total = OpShapes.Product(layer, "output", outShape);
        for (int i = 0; i < inputs.Length; i++)
            OpShapes.RequireLength(layer, "input", inputs[i].Length, OpShapes.Product(layer, "input", shapes[i]), $"(input {i}, shape {OpShapes.Format(shapes[i])})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(shape {OpShapes.Format(outShape)})");

        int rank = outShape.Length;
        Span<int> expanded = stackalloc int[rank], strides = stackalloc int[rank], index = stackalloc int[rank];
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i].Span;
            if (x.Length == total)
            {
                // Same element count as the output means the same shape after broadcasting: no index arithmetic.
                if (i == 0) { x.CopyTo(output); continue; } // CopyTo is overlap-safe (a no-op copy when x is output)
                switch (op)
                {
                    case MergeOp.Add: case MergeOp.Average: TensorPrimitives.Add(output, x, output); break;
                    case MergeOp.Subtract: TensorPrimitives.Subtract(output, x, output); break;
                    case MergeOp.Multiply: TensorPrimitives.Multiply(output, x, output); break;
                    case MergeOp.Maximum: TensorPrimitives.Max(output, x, output); break;
                    default: TensorPrimitives.Min(output, x, output); break;
                }
                continue;
            }
            Expand(shapes[i], expanded);
            OpShapes.RowMajorStrides(expanded, strides);
            for (int d = 0; d < rank; d++) if (expanded[d] == 1) strides[d] = 0;
            var cur = new StridedCursor(outShape, strides, index);
            for (int j = 0; j < total; j++, cur.MoveNext())
            {
                T v = x[cur.Offset];
                output[j] = i == 0 ? v : op switch
                {
                    MergeOp.Add or MergeOp.Average => output[j] + v,
                    MergeOp.Subtract => output[j] - v,
                    MergeOp.Multiply => output[j] * v,
                    MergeOp.Maximum => T.Max(output[j], v),
                    _ => T.Min(output[j], v),
                };
            }
        }
        if (op == MergeOp.Average) TensorPrimitives.Divide(output, T.CreateTruncating(inputs.Length), output);
    }

    /// <summary>Keras's rank alignment: size-1 axes inserted after the batch axis up to the target rank.</summary>
    private static void Expand(ReadOnlySpan<int> shape, Span<int> expanded)
    {
        int missing = expanded.Length - shape.Length;
        expanded[0] = shape[0];
        for (int d = 1; d <= missing; d++) expanded[d] = 1;
        for (int d = 1; d < shape.Length; d++) expanded[d + missing] = shape[d];
    }
}
