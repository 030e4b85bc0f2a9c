using System.Numerics;
using KerasPort.Compute.Kernels;

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
        if (!ScalarPath.IsSimd<T>())
        {
            // generic scalar path (dual numbers): no packing
        }
        else if (resetAfter)
        {
            _packedRecurrent = PackedMatrix<T>.Pack(recurrentKernel, units, 3 * units);
            Packed = GruPacked<T>.Create(inputSize, units, kernel, recurrentKernel, _inputBias, _recurrentBias, activation, recurrentActivation);
        }
        else
        {
            _packedRecurrent = PackedMatrix<T>.Pack(recurrentKernel, units, 2 * units, 3 * units);
            _packedCandidate = PackedMatrix<T>.Pack(recurrentKernel.AsSpan(2 * units), units, units, 3 * units);
        }
    }

    /// <summary>Gate-interleaved weights for the fused sequence kernel; null when it does not apply (reset_after=False, no SIMD, gelu).</summary>
    internal GruPacked<T>? Packed { get; }

    /// <summary>When the fused sequence is split over two threads (see <see cref="FusedSplitPolicy"/>).</summary>
    internal static readonly FusedSplitPolicy SplitPolicy = new()
    {
        MinimumWork = 2_000_000,
        MinimumStepWork = 20_000,
        BatchSplitMaximumRecurrentBytes = 512 * 1024,
    };

    /// <summary>
    /// The whole unmasked sequence with the fused kernel (<see cref="GruStepKernel"/>); same contract as
    /// <see cref="RnnDriver.Run{T}"/>. False when the fused path does not apply (the caller runs the generic driver).
    /// </summary>
    internal bool TryRunSequence(ReadOnlySpan<T> inputs, int batch, int time, bool goBackwards, Span<T> states, Span<T> sequenceOutput,
        Span<T> lastOutput, RnnWorkspace<T> workspace, Span<T> carriedOutput)
    {
        if (Packed is not { } w || batch < 1 || time < 1) return false; // empty runs: the generic driver's semantics
        FusedSequenceRunner.Run(w, SplitPolicy, InputSize, inputs, batch, time, goBackwards, states, sequenceOutput, lastOutput, workspace, carriedOutput);
        return true;
    }

    private readonly PackedMatrix<T>? _packedRecurrent;      // reset_after: all 3 gates; else z and r only (null: scalar path)
    private readonly PackedMatrix<T>? _packedCandidate;      // reset_after=False: U_h

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
    public int ScratchPerRow => 6 * Units;

    public void ProjectInputs(ReadOnlySpan<T> inputs, int rows, Span<T> projection)
    {
        if (_packedRecurrent is null) ScalarPath.MatMul<T>(inputs, rows, InputSize, _kernel, 3 * Units, 0, 3 * Units, _inputBias, projection, false);
        else Gemm.Multiply(rows, 3 * Units, InputSize, inputs, InputSize, _kernel, 3 * Units, projection, 3 * Units, _inputBias);
    }

    public void Step(ReadOnlySpan<T> projection, int batch, StateBuffers<T> previous, StateBuffers<T> next, Span<T> output, Span<T> scratch)
    {
        int u = Units;
        var hPrev = previous[0];
        var hNext = next[0];
        var proj = projection[..(batch * 3 * u)];
        if (_packedRecurrent is null)
        {
            StepScalar(proj, batch, hPrev, hNext, scratch);
        }
        else if (!GateMath.Fusable(_activation, _recurrentActivation))
        {
            StepGeneric(proj, batch, hPrev, hNext, scratch);
        }
        else if (ResetAfter)
        {
            var inner = scratch[..(batch * 3 * u)];
            Gemm.Multiply(batch, hPrev, u, _packedRecurrent!, inner, 3 * u, _recurrentBias);
            RecurrentKernels.GruCellResetAfter(_activation, _recurrentActivation, u, proj, inner, hPrev, hNext);
        }
        else
        {
            var zr = scratch[..(batch * 2 * u)];
            var zGate = scratch.Slice(batch * 2 * u, batch * u);
            var rh = scratch.Slice(batch * 3 * u, batch * u);
            var rhProjection = zr[..(batch * u)]; // zr is consumed before the candidate product
            Gemm.Multiply(batch, hPrev, u, _packedRecurrent!, zr, 2 * u);
            RecurrentKernels.GruGatesResetBefore(_recurrentActivation, u, proj, zr, hPrev, zGate, rh);
            Gemm.Multiply(batch, rh, u, _packedCandidate!, rhProjection, u);
            RecurrentKernels.GruCandidateResetBefore(_activation, u, proj, rhProjection, zGate, hPrev, hNext);
        }
        hNext.CopyTo(output);
    }

    /// <summary>The generic scalar path (any IFloatingPointIeee754 type, e.g. dual numbers), element-wise activations.</summary>
    private void StepScalar(ReadOnlySpan<T> x, int batch, ReadOnlySpan<T> hPrev, Span<T> hNext, Span<T> scratch)
    {
        int u = Units;
        var rec = scratch[..(batch * 3 * u)];
        var rh = scratch.Slice(batch * 3 * u, batch * u);
        var hh = scratch.Slice(batch * 4 * u, batch * u);
        var zg = scratch.Slice(batch * 5 * u, batch * u);
        if (ResetAfter) ScalarPath.MatMul<T>(hPrev, batch, u, _recurrentKernel, 3 * u, 0, 3 * u, _recurrentBias, rec, false);
        else ScalarPath.MatMul<T>(hPrev, batch, u, _recurrentKernel, 3 * u, 0, 2 * u, default, rec, false);
        int stride = ResetAfter ? 3 * u : 2 * u;
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < u; j++)
            {
                zg[b * u + j] = ScalarPath.Act(_recurrentActivation, x[b * 3 * u + j] + rec[b * stride + j]);
                T r = ScalarPath.Act(_recurrentActivation, x[b * 3 * u + u + j] + rec[b * stride + u + j]);
                if (ResetAfter) hh[b * u + j] = r * rec[b * stride + 2 * u + j];
                else rh[b * u + j] = r * hPrev[b * u + j];
            }
        }
        if (!ResetAfter) ScalarPath.MatMul<T>(rh, batch, u, _recurrentKernel, 3 * u, 2 * u, u, default, hh, false);
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < u; j++)
            {
                int i = b * u + j;
                T cand = ScalarPath.Act(_activation, x[b * 3 * u + 2 * u + j] + hh[i]);
                hNext[i] = zg[i] * hPrev[i] + (T.One - zg[i]) * cand;
            }
        }
    }

    /// <summary>Any activation (softmax over a gate's units included), with the same products as the fused path.</summary>
    private void StepGeneric(ReadOnlySpan<T> proj, int batch, ReadOnlySpan<T> hPrev, Span<T> hNext, Span<T> scratch)
    {
        int u = Units;
        var rec = scratch[..(batch * 3 * u)];
        var z = scratch.Slice(batch * 3 * u, batch * u);
        var r = scratch.Slice(batch * 4 * u, batch * u);
        var term = scratch.Slice(batch * 5 * u, batch * u);
        if (ResetAfter)
        {
            Gemm.Multiply(batch, hPrev, u, _packedRecurrent!, rec, 3 * u, _recurrentBias);
            GateMath.GruGates(_recurrentActivation, u, batch, proj, rec, 3 * u, z, r);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < u; j++)
                    term[b * u + j] = r[b * u + j] * rec[b * 3 * u + 2 * u + j];
        }
        else
        {
            Gemm.Multiply(batch, hPrev, u, _packedRecurrent!, rec, 2 * u);
            GateMath.GruGates(_recurrentActivation, u, batch, proj, rec, 2 * u, z, r);
            var rh = rec[..(batch * u)];
            for (int i = 0; i < batch * u; i++) rh[i] = r[i] * hPrev[i];
            Gemm.Multiply(batch, rh, u, _packedCandidate!, term, u);
        }
        GateMath.GruFinish(_activation, u, batch, proj, term, z, hPrev, hNext);
    }
}
