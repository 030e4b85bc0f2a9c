using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// Keras GRU cell (gate order z, r, h). reset_after=False: ĥ = act(x·W_h + b_h + (r⊙h)·U_h);
/// reset_after=True: ĥ = act(x·W_h + b_h + r⊙(h·U_h + b'_h)) with the recurrent bias b'. Then h' = z⊙h + (1 − z)⊙ĥ.
/// State [h]; output h.
/// </summary>
internal sealed class GruCell<T> : IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _kernel;          // (input, 3u)
    private readonly T[] _recurrentKernel; // (u, 3u)
    private readonly T[] _inputBias;       // (3u) or empty
    private readonly T[] _recurrentBias;   // (3u) or empty (reset_after only)
    private readonly Activation _activation;
    private readonly Activation _recurrentActivation;

    public GruCell(int inputSize, int units, T[] kernel, T[] recurrentKernel, T[]? inputBias, T[]? recurrentBias, bool resetAfter,
        Activation activation, Activation recurrentActivation)
    {
        InputSize = inputSize;
        Units = units;
        _kernel = kernel;
        _recurrentKernel = recurrentKernel;
        _inputBias = inputBias ?? [];
        _recurrentBias = recurrentBias ?? [];
        ResetAfter = resetAfter;
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        StateSizes = [units];
    }

    public int Units { get; }
    public bool ResetAfter { get; }
    /// <summary>kernel (input, 3·units), gates z, r, h.</summary>
    public ReadOnlySpan<T> Kernel => _kernel;
    /// <summary>recurrent_kernel (units, 3·units).</summary>
    public ReadOnlySpan<T> RecurrentKernel => _recurrentKernel;
    /// <summary>Input bias (3·units), empty when use_bias=False.</summary>
    public ReadOnlySpan<T> InputBias => _inputBias;
    /// <summary>Recurrent bias (3·units) for reset_after=True, else empty.</summary>
    public ReadOnlySpan<T> RecurrentBias => _recurrentBias;
    public Activation Activation => _activation;
    public Activation RecurrentActivation => _recurrentActivation;
    public int InputSize { get; }
    public int ProjectionSize => 3 * Units;
    public int[] StateSizes { get; }
    public int OutputSize => Units;
    public int ScratchPerRow => 4 * Units;

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection) =>
        Linear.Project(inputs, rows, InputSize, _kernel, 3 * Units, _inputBias, projection);

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch)
    {
        int u = Units;
        var hPrev = previous[0];
        var hNext = next[0];
        var inner = scratch[..(batch * 3 * u)];
        if (ResetAfter)
        {
            // inner = h·U + b_rec over all three gates
            for (int b = 0; b < batch; b++)
            {
                var row = inner.Slice(b * 3 * u, 3 * u);
                if (_recurrentBias.Length == 0) row.Clear(); else _recurrentBias.CopyTo(row);
            }
            Linear.Accumulate<T>(hPrev, batch, u, _recurrentKernel, 3 * u, inner);
            for (int b = 0; b < batch; b++)
            {
                var x = projection.Slice(b * 3 * u, 3 * u);
                var rec = inner.Slice(b * 3 * u, 3 * u);
                for (int j = 0; j < u; j++)
                {
                    T z = ActivationShim.Apply(_recurrentActivation, x[j] + rec[j]);
                    T r = ActivationShim.Apply(_recurrentActivation, x[u + j] + rec[u + j]);
                    T hh = ActivationShim.Apply(_activation, x[2 * u + j] + r * rec[2 * u + j]);
                    T hp = hPrev[b * u + j];
                    hNext[b * u + j] = z * hp + (T.One - z) * hh;
                }
            }
        }
        else
        {
            // z and r: x_zr + h·U_zr; candidate: x_h + (r⊙h)·U_h
            var rh = scratch.Slice(batch * 3 * u, batch * u);
            inner.Clear();
            for (int b = 0; b < batch; b++)
            {
                var h = hPrev.Slice(b * u, u);
                var row = inner.Slice(b * 3 * u, 3 * u);
                for (int k = 0; k < u; k++)
                {
                    T hk = h[k];
                    var uRow = _recurrentKernel.AsSpan(k * 3 * u, 2 * u);
                    for (int c = 0; c < 2 * u; c++) row[c] += hk * uRow[c];
                }
                var x = projection.Slice(b * 3 * u, 3 * u);
                for (int j = 0; j < u; j++)
                {
                    T r = ActivationShim.Apply(_recurrentActivation, x[u + j] + row[u + j]);
                    rh[b * u + j] = r * h[j];
                }
                for (int k = 0; k < u; k++)
                {
                    T a = rh[b * u + k];
                    var uRow = _recurrentKernel.AsSpan(k * 3 * u + 2 * u, u);
                    for (int c = 0; c < u; c++) row[2 * u + c] += a * uRow[c];
                }
                for (int j = 0; j < u; j++)
                {
                    T z = ActivationShim.Apply(_recurrentActivation, x[j] + row[j]);
                    T hh = ActivationShim.Apply(_activation, x[2 * u + j] + row[2 * u + j]);
                    hNext[b * u + j] = z * h[j] + (T.One - z) * hh;
                }
            }
        }
        hNext.CopyTo(output);
    }
}
