using System.Numerics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// Scalar reference of the fused recurrent gate kernels (<see cref="RecurrentKernels"/>), element by element in T
/// with the activations of <see cref="ActivationReference"/>, following Keras's LSTMCell / GRUCell / SimpleRNNCell
/// (keras/src/layers/rnn/*.py) operation by operation.
/// </summary>
public static class RecurrentReference
{
    /// <summary>LSTM state update; see <see cref="RecurrentKernels.LstmCell{T}"/> for the contract.</summary>
    public static void LstmCell<T>(in Activation activation, in Activation recurrentActivation, int units,
        ReadOnlySpan<T> z, Span<T> c, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = RecurrentKernels.CheckLstm(units, z.Length, c.Length, h.Length);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> zr = z.Slice(b * 4 * units, 4 * units);
            for (int j = 0; j < units; j++)
            {
                T i = ActivationReference.Scalar(recurrentActivation, zr[j]);
                T f = ActivationReference.Scalar(recurrentActivation, zr[units + j]);
                T g = ActivationReference.Scalar(activation, zr[2 * units + j]);
                T o = ActivationReference.Scalar(recurrentActivation, zr[3 * units + j]);
                ref T cj = ref c[b * units + j];
                T cNew = f * cj + i * g;
                cj = cNew;
                h[b * units + j] = o * ActivationReference.Scalar(activation, cNew);
            }
        }
    }

    /// <summary>GRU (reset_after=True) update; see <see cref="RecurrentKernels.GruCellResetAfter{T}"/>.</summary>
    public static void GruCellResetAfter<T>(in Activation activation, in Activation recurrentActivation, int units,
        ReadOnlySpan<T> inputProjection, ReadOnlySpan<T> recurrentProjection, ReadOnlySpan<T> hPrev, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = RecurrentKernels.CheckGru(units, inputProjection.Length, recurrentProjection.Length, 3, hPrev.Length, hNew.Length);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < units; j++)
            {
                int g = b * 3 * units + j;
                T z = ActivationReference.Scalar(recurrentActivation, inputProjection[g] + recurrentProjection[g]);
                T r = ActivationReference.Scalar(recurrentActivation, inputProjection[g + units] + recurrentProjection[g + units]);
                T hh = ActivationReference.Scalar(activation, inputProjection[g + 2 * units] + r * recurrentProjection[g + 2 * units]);
                T hp = hPrev[b * units + j];
                hNew[b * units + j] = z * hp + (T.One - z) * hh;
            }
    }

    /// <summary>GRU (reset_after=False) gates; see <see cref="RecurrentKernels.GruGatesResetBefore{T}"/>.</summary>
    public static void GruGatesResetBefore<T>(in Activation recurrentActivation, int units,
        ReadOnlySpan<T> inputProjection, ReadOnlySpan<T> recurrentProjectionZr, ReadOnlySpan<T> hPrev, Span<T> zGate, Span<T> resetHidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = RecurrentKernels.CheckGruGates(units, inputProjection.Length, recurrentProjectionZr.Length, hPrev.Length, zGate.Length, resetHidden.Length);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < units; j++)
            {
                int gx = b * 3 * units + j, gh = b * 2 * units + j, s = b * units + j;
                zGate[s] = ActivationReference.Scalar(recurrentActivation, inputProjection[gx] + recurrentProjectionZr[gh]);
                T r = ActivationReference.Scalar(recurrentActivation, inputProjection[gx + units] + recurrentProjectionZr[gh + units]);
                resetHidden[s] = r * hPrev[s];
            }
    }

    /// <summary>GRU (reset_after=False) candidate and mix; see <see cref="RecurrentKernels.GruCandidateResetBefore{T}"/>.</summary>
    public static void GruCandidateResetBefore<T>(in Activation activation, int units,
        ReadOnlySpan<T> inputProjection, ReadOnlySpan<T> resetHiddenProjection, ReadOnlySpan<T> zGate, ReadOnlySpan<T> hPrev, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = RecurrentKernels.CheckGruCandidate(units, inputProjection.Length, resetHiddenProjection.Length, zGate.Length, hPrev.Length, hNew.Length);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < units; j++)
            {
                int s = b * units + j;
                T hh = ActivationReference.Scalar(activation, inputProjection[b * 3 * units + 2 * units + j] + resetHiddenProjection[s]);
                T z = zGate[s];
                hNew[s] = z * hPrev[s] + (T.One - z) * hh;
            }
    }

    /// <summary>SimpleRNN update h' = activation(z); see <see cref="RecurrentKernels.SimpleRnnCell{T}"/>.</summary>
    public static void SimpleRnnCell<T>(in Activation activation, ReadOnlySpan<T> z, Span<T> hNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (hNew.Length != z.Length) throw new ArgumentException($"h has {hNew.Length} elements, z {z.Length}.", nameof(hNew));
        for (int i = 0; i < z.Length; i++) hNew[i] = ActivationReference.Scalar(activation, z[i]);
    }
}
