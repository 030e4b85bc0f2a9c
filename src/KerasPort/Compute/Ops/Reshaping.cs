namespace KerasPort.Compute.Ops;

/// <summary>Inference math of Keras's reshaping layers: <c>RepeatVector</c>, <c>Flatten</c>, <c>Reshape</c>, <c>Permute</c>.</summary>
internal static class ReshapingOps
{
    /// <summary><c>RepeatVector(n)</c>: (batch, features) → (batch, n, features), <c>y[b, i, f] = x[b, f]</c>.</summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">(batch, features).</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="features">Features.</param>
    /// <param name="n">Keras's <c>n</c>.</param>
    /// <param name="output">(batch, n, features); must not overlap the input.</param>
    public static void RepeatVector<T>(string layer, ReadOnlySpan<T> input, int batch, int features, int n, Span<T> output)
        where T : unmanaged
    {
        OpShapes.RequireNonNegative(layer, "batch size", batch);
        OpShapes.RequireNonNegative(layer, "features", features);
        OpShapes.RequireNonNegative(layer, "n", n);
        OpShapes.RequireLength(layer, "input", input.Length, (long)batch * features, $"(shape ({batch}, {features}))");
        OpShapes.RequireLength(layer, "output", output.Length, (long)batch * n * features, $"(shape ({batch}, {n}, {features}))");
        for (int b = 0; b < batch; b++)
        {
            var row = input.Slice(b * features, features);
            for (int i = 0; i < n; i++) row.CopyTo(output.Slice((b * n + i) * features, features));
        }
    }

    /// <summary>
    /// The output shape of <c>Reshape(target_shape)</c>: (batch, *target_shape) with at most one −1 resolved so that the
    /// element count is unchanged (Keras's <c>compute_reshape_output_shape</c>). The data itself is unchanged (row-major):
    /// the caller reuses the buffer.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="inputShape">The input's shape, batch first.</param>
    /// <param name="targetShape">Keras's <c>target_shape</c> (no batch axis); one entry may be −1.</param>
    public static int[] ReshapeOutputShape(string layer, ReadOnlySpan<int> inputShape, ReadOnlySpan<int> targetShape)
    {
        if (inputShape.Length < 1) throw new ShapeMismatchException($"Layer '{layer}': Reshape needs an input with a batch axis.");
        int inCount = OpShapes.Product(layer, "input", inputShape[1..]);
        var result = new int[targetShape.Length + 1];
        result[0] = inputShape[0];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < targetShape.Length; i++)
        {
            int d = targetShape[i];
            if (d == -1)
            {
                if (unknown >= 0)
                    throw new InvalidModelArgumentException($"Layer '{layer}': target_shape {OpShapes.Format(targetShape)} has more than one -1.");
                unknown = i;
            }
            else if (d < 0)
                throw new InvalidModelArgumentException($"Layer '{layer}': target_shape {OpShapes.Format(targetShape)} has a negative dimension.");
            else known *= d;
            result[i + 1] = d;
        }
        if (unknown >= 0)
        {
            if (known == 0 || inCount % known != 0)
                throw new ShapeMismatchException(
                    $"Layer '{layer}': cannot reshape an input of shape {OpShapes.Format(inputShape)} ({inCount} values per sample) to target_shape {OpShapes.Format(targetShape)}.");
            result[unknown + 1] = (int)(inCount / known);
        }
        else if (known != inCount)
            throw new ShapeMismatchException(
                $"Layer '{layer}': cannot reshape an input of shape {OpShapes.Format(inputShape)} ({inCount} values per sample) to target_shape {OpShapes.Format(targetShape)} ({known} values).");
        return result;
    }

    /// <summary>
    /// <c>Flatten</c>: (batch, d1, ..., dk) → (batch, d1·...·dk). With <c>channels_last</c> (the default) the data is
    /// copied unchanged. With <c>channels_first</c> Keras first moves axis 1 to the end
    /// (transpose (0, 2, ..., k, 1)) and then flattens, so the values are reordered.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape, batch first.</param>
    /// <param name="dataFormat">Keras's <c>data_format</c>.</param>
    /// <param name="output">(batch, product of the other dims); must not overlap the input (unless channels_last and the same span).</param>
    public static void Flatten<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, DataFormat dataFormat, Span<T> output)
        where T : unmanaged
    {
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", input.Length, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(as many as the input)");
        if (dataFormat == DataFormat.ChannelsLast || shape.Length <= 2)
        {
            input.CopyTo(output);
            return;
        }
        Span<int> perm = stackalloc int[shape.Length];
        perm[0] = 0;
        for (int d = 1; d < shape.Length - 1; d++) perm[d] = d + 1;
        perm[^1] = 1;
        Transpose(layer, input, shape, perm, output);
    }

    /// <summary>
    /// The output shape of <c>Permute(dims)</c>: <c>(batch, shape[dims[0]], ..., shape[dims[k−1]])</c>; dims is 1-based
    /// and must be a permutation of 1..k.
    /// </summary>
    public static int[] PermuteOutputShape(string layer, ReadOnlySpan<int> shape, ReadOnlySpan<int> dims)
    {
        CheckPermuteDims(layer, shape, dims);
        var result = new int[shape.Length];
        result[0] = shape[0];
        for (int i = 0; i < dims.Length; i++) result[i + 1] = shape[dims[i]];
        return result;
    }

    /// <summary><c>Permute(dims)</c>: <c>transpose(x, (0, *dims))</c>, dims 1-based over the non-batch axes.</summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape, batch first.</param>
    /// <param name="dims">Keras's <c>dims</c>, e.g. (2, 1) swaps the two non-batch axes.</param>
    /// <param name="output">Output of <see cref="PermuteOutputShape"/>'s shape; must not overlap the input.</param>
    public static void Permute<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> dims, Span<T> output)
        where T : unmanaged
    {
        CheckPermuteDims(layer, shape, dims);
        Span<int> perm = stackalloc int[shape.Length];
        perm[0] = 0;
        for (int i = 0; i < dims.Length; i++) perm[i + 1] = dims[i];
        Transpose(layer, input, shape, perm, output);
    }

    /// <summary>
    /// General transpose: output axis d is input axis <c>perm[d]</c> (0-based, batch included), i.e.
    /// <c>y[i_0, ..., i_{k}] = x[j]</c> with <c>j_{perm[d]} = i_d</c>.
    /// </summary>
    /// <param name="layer">Layer name, for error messages.</param>
    /// <param name="input">Input of shape <paramref name="shape"/>.</param>
    /// <param name="shape">The input's shape.</param>
    /// <param name="perm">A permutation of 0..rank−1.</param>
    /// <param name="output">Output; must not overlap the input.</param>
    public static void Transpose<T>(string layer, ReadOnlySpan<T> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> perm, Span<T> output)
        where T : unmanaged
    {
        int rank = shape.Length;
        int total = OpShapes.Product(layer, "input", shape);
        OpShapes.RequireLength(layer, "input", input.Length, total, $"(shape {OpShapes.Format(shape)})");
        OpShapes.RequireLength(layer, "output", output.Length, total, $"(as many as the input)");
        if (perm.Length != rank)
            throw new InvalidModelArgumentException($"Layer '{layer}': permutation {OpShapes.Format(perm)} does not fit a tensor of rank {rank}.");
        Span<bool> seen = stackalloc bool[rank];
        foreach (int p in perm)
        {
            if ((uint)p >= (uint)rank || seen[p])
                throw new InvalidModelArgumentException($"Layer '{layer}': {OpShapes.Format(perm)} is not a permutation of the {rank} axes.");
            seen[p] = true;
        }
        Span<int> inStrides = stackalloc int[rank], outShape = stackalloc int[rank], strides = stackalloc int[rank], index = stackalloc int[rank];
        OpShapes.RowMajorStrides(shape, inStrides);
        for (int d = 0; d < rank; d++)
        {
            outShape[d] = shape[perm[d]];
            strides[d] = inStrides[perm[d]];
        }
        var cur = new StridedCursor(outShape, strides, index);
        for (int j = 0; j < total; j++, cur.MoveNext()) output[j] = input[cur.Offset];
    }

    private static void CheckPermuteDims(string layer, ReadOnlySpan<int> shape, ReadOnlySpan<int> dims)
    {
        OpShapes.RequireRank(layer, "input", shape.Length);
        if (dims.Length != shape.Length - 1)
            throw new ShapeMismatchException(
                $"Layer '{layer}': Permute dims {OpShapes.Format(dims)} do not fit an input of shape {OpShapes.Format(shape)} ({shape.Length - 1} non-batch axes).");
        Span<bool> seen = stackalloc bool[shape.Length];
        foreach (int d in dims)
        {
            if (d < 1 || d >= shape.Length || seen[d])
                throw new InvalidModelArgumentException(
                    $"Layer '{layer}': Permute dims {OpShapes.Format(dims)} must be a permutation of 1..{shape.Length - 1}.");
            seen[d] = true;
        }
    }
}
