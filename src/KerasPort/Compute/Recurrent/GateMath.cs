using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// Gate updates for activations that are not element-wise (softmax / log_softmax as a cell activation): Keras applies
/// them to each gate's (batch, units) block, i.e. over the units of one gate. The fused kernels cover every element-wise
/// activation; these loops cover the rest.
/// </summary>
internal static class GateMath
{
    /// <summary>True when both activations can go through the fused kernels.</summary>
    public static bool Fusable(in Activation activation, in Activation recurrentActivation) =>
        activation.IsElementwise && recurrentActivation.IsElementwise;

    /// <summary>LSTM: z [batch, 4u] is overwritten; c updated in place; h written.</summary>
    public static void Lstm<T>(in Activation activation, in Activation recurrentActivation, int units, Span<T> z, Span<T> c, Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = c.Length / units;
        for (int b = 0; b < batch; b++)
        {
            var row = z.Slice(b * 4 * units, 4 * units);
            var i = row[..units];
            var f = row.Slice(units, units);
            var g = row.Slice(2 * units, units);
            var o = row.Slice(3 * units, units);
            ActivationFunctions.Apply(recurrentActivation, i, units);
            ActivationFunctions.Apply(recurrentActivation, f, units);
            ActivationFunctions.Apply(activation, g, units);
            ActivationFunctions.Apply(recurrentActivation, o, units);
            var cRow = c.Slice(b * units, units);
            var hRow = h.Slice(b * units, units);
            for (int j = 0; j < units; j++)
            {
                cRow[j] = f[j] * cRow[j] + i[j] * g[j];
                hRow[j] = cRow[j];
            }
            ActivationFunctions.Apply(activation, hRow, units);
            for (int j = 0; j < units; j++) hRow[j] = o[j] * hRow[j];
        }
    }

    /// <summary>GRU gates: z = σ(x_z + rec_z), r = σ(x_r + rec_r), each over its (batch, units) block.</summary>
    public static void GruGates<T>(in Activation recurrentActivation, int units, int batch, ReadOnlySpan<T> x, ReadOnlySpan<T> rec, int recStride,
        Span<T> z, Span<T> r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < units; j++)
            {
                z[b * units + j] = x[b * 3 * units + j] + rec[b * recStride + j];
                r[b * units + j] = x[b * 3 * units + units + j] + rec[b * recStride + units + j];
            }
        }
        ActivationFunctions.Apply(recurrentActivation, z, units);
        ActivationFunctions.Apply(recurrentActivation, r, units);
    }

    /// <summary>GRU output: ĥ = act(x_h + term) over each row; h' = z⊙h + (1 − z)⊙ĥ. <paramref name="term"/> is overwritten.</summary>
    public static void GruFinish<T>(in Activation activation, int units, int batch, ReadOnlySpan<T> x, Span<T> term, ReadOnlySpan<T> z,
        ReadOnlySpan<T> hPrev, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < units; j++)
                term[b * units + j] += x[b * 3 * units + 2 * units + j];
        ActivationFunctions.Apply(activation, term, units);
        for (int i = 0; i < batch * units; i++)
            hNew[i] = z[i] * hPrev[i] + (T.One - z[i]) * term[i];
    }
}
