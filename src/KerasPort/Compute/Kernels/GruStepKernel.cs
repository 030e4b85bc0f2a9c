using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// A GRU with reset_after=True repacked once for <see cref="GruStepKernel"/>: units are grouped in blocks of L (the lanes
/// of one vector) and the three gates of a block are interleaved, so one block's columns are [z(L) r(L) h(L)]. The
/// recurrent_kernel is stored per block as a u × 3L panel (64-byte aligned), the recurrent bias b' per block in the same
/// order (the sums start from it), the input kernel and input bias in the same column order for the projection GEMM.
/// Padding units (u rounded up to L) have zero weights and biases.
/// </summary>
internal sealed class GruPacked<T> : IFusedSequence<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _recurrent;
    private readonly int _recurrentOffset;

    private GruPacked(int units, int lanes, T[] recurrent, int recurrentOffset, T[] recurrentBias, PackedMatrix<T> kernel, T[] bias,
        Activation activation, Activation recurrentActivation)
    {
        Units = units; Lanes = lanes; _recurrent = recurrent; _recurrentOffset = recurrentOffset; RecurrentBias = recurrentBias;
        Kernel = kernel; Bias = bias; Activation = activation; RecurrentActivation = recurrentActivation;
    }

    /// <inheritdoc/>
    public int Units { get; }
    /// <summary>Units per block (the vector lanes).</summary>
    public int Lanes { get; }
    /// <inheritdoc/>
    public int Blocks => (Units + Lanes - 1) / Lanes;
    /// <inheritdoc/>
    public int PaddedUnits => Blocks * Lanes;
    /// <inheritdoc/>
    public int ProjectionWidth => 3 * PaddedUnits;
    /// <inheritdoc/>
    public PackedMatrix<T> Kernel { get; }
    /// <summary>The input bias, 3·PaddedUnits, gate-interleaved (zeros when the layer has no bias).</summary>
    public T[] Bias { get; }
    /// <summary>The recurrent bias b', 3·PaddedUnits, gate-interleaved (zeros when the layer has no bias).</summary>
    public T[] RecurrentBias { get; }
    /// <summary>Keras activation.</summary>
    public Activation Activation { get; }
    /// <summary>Keras recurrent_activation.</summary>
    public Activation RecurrentActivation { get; }
    /// <inheritdoc/>
    public long RecurrentBytes => (long)Blocks * Units * 3 * Lanes * Unsafe.SizeOf<T>();
    /// <summary>Blocks × units × 3·lanes.</summary>
    internal ref T Recurrent => ref _recurrent[_recurrentOffset];

    /// <summary>The interleaved column of gate <paramref name="gate"/> (0..2: z, r, h) of unit <paramref name="unit"/>.</summary>
    public int Column(int gate, int unit) => unit / Lanes * 3 * Lanes + gate * Lanes + unit % Lanes;

    /// <summary>
    /// Packs for the process's vector width; null when the kernels run without SIMD or an activation has no vectorised
    /// operator. <paramref name="inputBias"/> and <paramref name="recurrentBias"/> are 3·units each or empty.
    /// </summary>
    public static GruPacked<T>? Create(int inputSize, int units, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel,
        ReadOnlySpan<T> inputBias, ReadOnlySpan<T> recurrentBias, in Activation activation, in Activation recurrentActivation)
    {
        int lanes = GemmLayout.Lanes<T>();
        if (GemmLayout.Width == SimdWidth.Scalar || lanes < 2 || units < 1
            || !FusedSequenceKernel.Supports(activation) || !FusedSequenceKernel.Supports(recurrentActivation)) return null;
        int blocks = (units + lanes - 1) / lanes, width = 3 * blocks * lanes;
        var recurrent = RecurrentPanels.Aligned<T>(blocks * units * 3 * lanes, out int offset);
        var kernelInterleaved = new T[inputSize * width];
        var biasInterleaved = new T[width];
        var recurrentBiasInterleaved = new T[width];
        for (int g = 0; g < 3; g++)
        {
            for (int j = 0; j < units; j++)
            {
                int col = j / lanes * 3 * lanes + g * lanes + j % lanes;
                int source = g * units + j;
                for (int p = 0; p < inputSize; p++) kernelInterleaved[p * width + col] = kernel[p * 3 * units + source];
                int block = j / lanes, within = g * lanes + j % lanes;
                for (int p = 0; p < units; p++) recurrent[offset + (block * units + p) * 3 * lanes + within] = recurrentKernel[p * 3 * units + source];
                if (!inputBias.IsEmpty) biasInterleaved[col] = inputBias[source];
                if (!recurrentBias.IsEmpty) recurrentBiasInterleaved[col] = recurrentBias[source];
            }
        }
        return new GruPacked<T>(units, lanes, recurrent, offset, recurrentBiasInterleaved, PackedMatrix<T>.Pack(kernelInterleaved, inputSize, width),
            biasInterleaved, activation, recurrentActivation);
    }

    /// <inheritdoc/>
    public unsafe void Steps(int batch, int time, bool goBackwards, T* projection, T* hA, T* hB, T* sequenceOutput,
        int firstStep, int endStep, int firstBlock, int endBlock)
    {
        if (batch < 1 || time < 1 || firstStep < 0 || firstStep > endStep || endStep > time || firstBlock < 0 || firstBlock > endBlock || endBlock > Blocks)
            throw new ArgumentException("GRU sequence arguments are inconsistent with the packed weights.");
        GruStepKernel.Run(this, new GruStepKernel.Args<T>
        {
            Recurrent = ref Recurrent,
            RecurrentBias = ref RecurrentBias[0],
            Units = Units,
            PaddedUnits = PaddedUnits,
            Batch = batch,
            Projection = ref *projection,
            ProjectionStride = time * ProjectionWidth,
            HPrev = ref firstStep % 2 == 0 ? ref *hA : ref *hB,
            HNext = ref firstStep % 2 == 0 ? ref *hB : ref *hA,
            First = firstBlock,
            End = endBlock,
            Time = time,
            FirstStep = firstStep,
            EndStep = endStep,
            GoBackwards = goBackwards,
            Sequence = ref sequenceOutput == null ? ref Unsafe.NullRef<T>() : ref *sequenceOutput,
            HasSequence = sequenceOutput != null,
        });
    }
}

/// <summary>
/// The fused GRU (reset_after=True) sequence over <see cref="GruPacked{T}"/>: for each block of L units and up to
/// six batch rows, the three gate sums h·U are accumulated in registers
/// (<see cref="RecurrentPanels"/>), then z = σ(x_z + (s_z + b'_z)), r = σ(x_r + (s_r + b'_r)), ĥ = act(x_h + r⊙(s_h + b'_h)),
/// h' = z⊙h + (1 − z)⊙ĥ are computed and stored with no intermediate buffer (σ the recurrent activation; x the
/// projection, input bias included).
/// </summary>
internal static class GruStepKernel
{
    internal ref struct Args<T> where T : unmanaged
    {
        public ref T Recurrent, RecurrentBias;
        public int Units, PaddedUnits, Batch, ProjectionStride, First, End, Time, FirstStep, EndStep;
        public ref T Projection, HPrev, HNext, Sequence;
        public bool GoBackwards, HasSequence;
    }

    internal static void Run<T>(GruPacked<T> w, Args<T> args) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var outer = new Outer<T>(w.RecurrentActivation, args);
        ActivationDispatch.Visit<T, Outer<T>>(w.Activation, ref outer);
    }

    private readonly ref struct Outer<T>(in Activation recurrentActivation, Args<T> args) : IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Activation _rec = recurrentActivation;
        private readonly Args<T> _args = args;

        public void Visit<TAct>(TAct act) where TAct : struct, IUnaryOp<T>
        {
            var inner = new Inner<T, TAct>(act, _args);
            ActivationDispatch.Visit<T, Inner<T, TAct>>(_rec, ref inner);
        }
    }

    private readonly ref struct Inner<T, TAct>(TAct act, Args<T> args) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TAct _act = act;
        private readonly Args<T> _args = args;

        public void Visit<TRec>(TRec rec) where TRec : struct, IUnaryOp<T>
        {
            switch (GemmLayout.Width)
            {
                case SimdWidth.V512: Steps<T, Vector512<T>, V512<T>, TRec, TAct>(rec, _act, _args); break;
                case SimdWidth.V256: Steps<T, Vector256<T>, V256<T>, TRec, TAct>(rec, _act, _args); break;
                default: Steps<T, Vector128<T>, V128<T>, TRec, TAct>(rec, _act, _args); break;
            }
        }
    }

    private static void Steps<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Args<T> a)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        int time = a.Time, u = a.Units, up = a.PaddedUnits, mr = RecurrentPanels.TileRows(3);
        ref T projection = ref a.Projection;
        int width = 3 * up;
        int j0 = a.First * TS.Count, j1 = Math.Min(a.End * TS.Count, u); // this part's units
        for (int s = a.FirstStep; s < a.EndStep; s++)
        {
            int t = a.GoBackwards ? time - 1 - s : s;
            a.Projection = ref Unsafe.Add(ref projection, (nint)t * width);
            Blocks<T, TV, TS, TRec, TAct>(rec, act, a, mr, s % 2 == 1);
            if (a.HasSequence && j1 > j0)
                for (int b = 0; b < a.Batch; b++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref a.HNext, (nint)b * up + j0), j1 - j0)
                        .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref a.Sequence, ((nint)b * time + s) * u + j0), j1 - j0));
            ref T swap = ref a.HPrev;
            a.HPrev = ref a.HNext;
            a.HNext = ref swap;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocks<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Args<T> a, int mrMax, bool descending)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        int lanes = TS.Count, u = a.Units, up = a.PaddedUnits;
        nint panel = (nint)u * 3 * lanes, ps = a.ProjectionStride, zs = 3 * lanes;
        RecurrentTile tile = default;
        ref T z = ref Unsafe.As<RecurrentTile, T>(ref tile);
        // every other step visits the blocks in reverse, starting with the panel the previous step read last: still in L1
        for (int n = a.First; n < a.End; n++)
        {
            int jb = descending ? a.First + a.End - 1 - n : n;
            ref T b = ref Unsafe.Add(ref a.Recurrent, jb * panel);
            ref T rb = ref Unsafe.Add(ref a.RecurrentBias, (nint)jb * 3 * lanes);
            nint col = (nint)jb * lanes;
            for (int r = 0, chunkEnd = 0, rows; r < a.Batch; r += rows)
            {
                // chunks of the GEMM's MR rows, each in register tiles of mrMax rows (RecurrentPanels.Sums)
                if (r == chunkEnd) chunkEnd = Math.Min(r + GemmLayout.MR, a.Batch);
                rows = Math.Min(mrMax, chunkEnd - r);
                ref T h = ref Unsafe.Add(ref a.HPrev, (nint)r * up);
                RecurrentPanels.Sums<T, TV, TS, C3>(rows, chunkEnd - r == 1 && r % GemmLayout.MR == 0, u, ref h, up, ref b, ref z);
                ref T p = ref Unsafe.Add(ref a.Projection, r * ps + 3 * col);
                ref T hp = ref Unsafe.Add(ref h, col);
                ref T hn = ref Unsafe.Add(ref a.HNext, (nint)r * up + col);
                for (int i = 0; i < rows; i++)
                    Gates<T, TV, TS, TRec, TAct>(rec, act, ref Unsafe.Add(ref z, i * zs), ref rb, ref Unsafe.Add(ref p, i * ps),
                        ref Unsafe.Add(ref hp, (nint)i * up), ref Unsafe.Add(ref hn, (nint)i * up));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gates<T, TV, TS, TRec, TAct>(TRec rec, TAct act, ref T sums, ref T rb, ref T p, ref T hp, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        // Keras's order: x + (h·U + b'), the recurrent product and its bias first (as the generic cell's GEMM does)
        nint w = TS.Count;
        TV z = rec.Invoke<TV, TS>(TS.Add(TS.Load(ref p), TS.Add(TS.Load(ref sums), TS.Load(ref rb))));
        TV r = rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref p, w)), TS.Add(TS.Load(ref Unsafe.Add(ref sums, w)), TS.Load(ref Unsafe.Add(ref rb, w)))));
        TV hh = act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref p, 2 * w)),
            TS.Mul(r, TS.Add(TS.Load(ref Unsafe.Add(ref sums, 2 * w)), TS.Load(ref Unsafe.Add(ref rb, 2 * w))))));
        TS.Store(TS.Add(TS.Mul(z, TS.Load(ref hp)), TS.Mul(TS.Sub(TS.Splat(1.0), z), hh)), ref hn);
    }
}
