namespace KerasPort.Model.Weights;

/// <summary>Small exact array rearrangements used to bring stored weights into Keras 2 layout.</summary>
internal static class TensorOps
{
    /// <summary>Columns [k·u, (k+1)·u) of a 2-D (rows, g·u) tensor, or elements of a 1-D one.</summary>
    public static WeightTensor ColumnBlock(WeightTensor t, int k, int u, string name)
    {
        if (t.Shape.Length == 1)
        {
            var d = new double[u];
            Array.Copy(t.Data, k * u, d, 0, u);
            return new WeightTensor(name, [u], d, t.DType);
        }
        int rows = t.Shape[0], cols = t.Shape[1];
        var data = new double[rows * u];
        for (int r = 0; r < rows; r++)
            Array.Copy(t.Data, r * cols + k * u, data, r * u, u);
        return new WeightTensor(name, [rows, u], data, t.DType);
    }

    /// <summary>Row <paramref name="row"/> of a 2-D tensor as a 1-D tensor.</summary>
    public static WeightTensor Row(WeightTensor t, int row, string name)
    {
        int cols = t.Shape[1];
        var d = new double[cols];
        Array.Copy(t.Data, row * cols, d, 0, cols);
        return new WeightTensor(name, [cols], d, t.DType);
    }

    /// <summary>Concatenates tensors of equal leading shape along their last axis.</summary>
    public static WeightTensor ConcatLast(IReadOnlyList<WeightTensor> parts, string name)
    {
        var first = parts[0];
        int rows = first.Shape.Length == 1 ? 1 : first.Shape[0];
        int total = parts.Sum(p => p.Shape[^1]);
        var data = new double[rows * total];
        int offset = 0;
        foreach (var p in parts)
        {
            int c = p.Shape[^1];
            for (int r = 0; r < rows; r++)
                Array.Copy(p.Data, r * c, data, r * total + offset, c);
            offset += c;
        }
        int[] shape = first.Shape.Length == 1 ? [total] : [rows, total];
        return new WeightTensor(name, shape, data, first.DType);
    }

    /// <summary>
    /// CuDNN input kernel block → Keras layout, as Keras's <c>_convert_rnn_weights</c> does per gate with
    /// <c>kernel.T.reshape(kernel.shape, order='F')</c>: the stored (in, u) block holds the bytes of a row-major (u, in) matrix.
    /// </summary>
    public static double[] FromCudnnInputBlock(double[] block, int inputDim, int units)
    {
        var result = new double[block.Length];
        for (int p = 0; p < inputDim; p++)
            for (int q = 0; q < units; q++)
                result[p * units + q] = block[q * inputDim + p];
        return result;
    }

    /// <summary>Transpose of a row-major (rows, cols) matrix.</summary>
    public static double[] Transpose(double[] m, int rows, int cols)
    {
        var t = new double[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                t[c * rows + r] = m[r * cols + c];
        return t;
    }

    /// <summary>Applies <paramref name="perGate"/> to each of the g column blocks of a (rows, g·u) matrix and reassembles it.</summary>
    public static WeightTensor MapGateBlocks(WeightTensor t, int gates, Func<double[], double[]> perGate, string name)
    {
        int rows = t.Shape[0], u = t.Shape[1] / gates;
        var blocks = new List<WeightTensor>();
        for (int k = 0; k < gates; k++)
        {
            var b = ColumnBlock(t, k, u, name);
            blocks.Add(new WeightTensor(name, [rows, u], perGate(b.Data), t.DType));
        }
        return ConcatLast(blocks, name);
    }

    /// <summary>Reverses all axes but the last two (Keras's <c>conv_utils.convert_kernel</c>, for Theano kernels).</summary>
    public static WeightTensor FlipConv1DKernel(WeightTensor k)
    {
        int len = k.Shape[0], inner = k.Shape[1] * k.Shape[2];
        var d = new double[k.Data.Length];
        for (int i = 0; i < len; i++)
            Array.Copy(k.Data, (len - 1 - i) * inner, d, i * inner, inner);
        return new WeightTensor(k.Name, k.Shape, d, k.DType);
    }
}
