using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>
/// Keras LSTM cell (gate order i, f, c, o): i = σ(z_i), f = σ(z_f), c' = f⊙c + i⊙act(z_c), o = σ(z_o), h' = o⊙act(c'),
/// with z = x·kernel + h·recurrent_kernel + bias and σ the recurrent activation. States [h, c]; output h.
/// </summary>
internal sealed class LstmCell<T> : IRecurrentCell<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _kernel;          // (input, 4u)
    private readonly T[] _recurrentKernel; // (u, 4u)
    private readonly T[] _bias;            // (4u) or empty
    private readonly Activation _activation;
    private readonly Activation _recurrentActivation;

    public LstmCell(int inputSize, int units, T[] kernel, T[] recurrentKernel, T[]? bias, Activation activation, Activation recurrentActivation)
    {
        InputSize = inputSize;
        Units = units;
        _kernel = kernel;
        _recurrentKernel = recurrentKernel;
        _bias = bias ?? [];
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        StateSizes = [units, units];
    }

    public int Units { get; }
    /// <summary>kernel (input, 4·units), gates i, f, c, o.</summary>
    public ReadOnlySpan<T> Kernel => _kernel;
    /// <summary>recurrent_kernel (units, 4·units).</summary>
    public ReadOnlySpan<T> RecurrentKernel => _recurrentKernel;
    /// <summary>bias (4·units), empty when use_bias=False.</summary>
    public ReadOnlySpan<T> Bias => _bias;
    public Activation Activation => _activation;
    public Activation RecurrentActivation => _recurrentActivation;
    public int InputSize { get; }
    public int ProjectionSize => 4 * Units;
    public int[] StateSizes { get; }
    public int OutputSize => Units;
    public int ScratchPerRow => 4 * Units;

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection) =>
        Linear.Project(inputs, rows, InputSize, _kernel, 4 * Units, _bias, projection);

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch)
    {
        int u = Units;
        var z = scratch[..(batch * 4 * u)];
        projection[..(batch * 4 * u)].CopyTo(z);
        var hPrev = previous[0];
        var cPrev = previous[1];
        Linear.Accumulate<T>(hPrev, batch, u, _recurrentKernel, 4 * u, z);
        var hNext = next[0];
        var cNext = next[1];
        for (int b = 0; b < batch; b++)
        {
            var zr = z.Slice(b * 4 * u, 4 * u);
            for (int j = 0; j < u; j++)
            {
                T i = ActivationShim.Apply(_recurrentActivation, zr[j]);
                T f = ActivationShim.Apply(_recurrentActivation, zr[u + j]);
                T g = ActivationShim.Apply(_activation, zr[2 * u + j]);
                T o = ActivationShim.Apply(_recurrentActivation, zr[3 * u + j]);
                T c = f * cPrev[b * u + j] + i * g;
                cNext[b * u + j] = c;
                hNext[b * u + j] = o * ActivationShim.Apply(_activation, c);
            }
        }
        hNext.CopyTo(output);
    }
}
