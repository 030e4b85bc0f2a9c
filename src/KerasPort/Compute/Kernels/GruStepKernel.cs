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
        var recurrent = AlignedArray.Allocate<T>(blocks * units * 3 * lanes, out int offset);
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
        int firstStep, int endStep, int firstBlock, int endBlock, StepSharing? sharing = null, IStepGate? stepwise = null,
        T* inputs = null, int inputSize = 0)
    {
        if (stepwise is not null && (sharing is not null || inputs != null)) throw new ArgumentException("a stepwise projection is written by one thread.");
        var range = StepRange<T>.Checked("GRU", Units, PaddedUnits, Blocks, Lanes, batch, time, hA, hB, sequenceOutput, firstStep, endStep, firstBlock, endBlock, sharing);
        var weights = new GruStepKernel.Weights<T>
        {
            Recurrent = ref Recurrent,
            RecurrentBias = ref RecurrentBias[0],
            Projection = ref *projection,
            Units = Units,
            PaddedUnits = PaddedUnits,
            Batch = batch,
            Time = time,
            GoBackwards = goBackwards,
            ProjectionStepStride = stepwise is null && inputs == null ? ProjectionWidth : 0,
            ProjectionRowStride = stepwise is null && inputs == null ? (nint)time * ProjectionWidth : ProjectionWidth,
            StepGate = stepwise,
            Columns = inputs == null ? default : StepColumns<T>.Create(Kernel, Bias, inputs, inputSize, batch, time, "GRU"),
            BlockColumns = 3 * Lanes,
        };
        var outer = new GruStepKernel.Outer<T>(RecurrentActivation, weights, range, sharing);
        ActivationDispatch.Visit<T, GruStepKernel.Outer<T>>(Activation, ref outer);
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
    /// <summary>What every step reads: the packed weights, the projection of the whole sequence, the sizes.</summary>
    internal ref struct Weights<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public ref T Recurrent, RecurrentBias, Projection;
        public int Units, PaddedUnits, Batch, Time;
        public bool GoBackwards;
        public nint ProjectionStepStride, ProjectionRowStride; // from one step's projection rows to the next's (0: one step's, rewritten), between rows
        public IStepGate? StepGate;                            // writes each step's rows first (a stepwise projection)
        public StepColumns<T> Columns;                         // active: each run of blocks projects its columns of the step's rows first
        public int BlockColumns;                               // projection columns of a block
    }

    internal readonly ref struct Outer<T>(in Activation recurrentActivation, Weights<T> weights, StepRange<T> range, StepSharing? sharing)
        : IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Activation _rec = recurrentActivation;
        private readonly Weights<T> _weights = weights;
        private readonly StepRange<T> _range = range;
        private readonly StepSharing? _sharing = sharing;

        public void Visit<TAct>(TAct act) where TAct : struct, IUnaryOp<T>
        {
            var inner = new Inner<T, TAct>(act, _weights, _range, _sharing);
            ActivationDispatch.Visit<T, Inner<T, TAct>>(_rec, ref inner);
        }
    }

    private readonly ref struct Inner<T, TAct>(TAct act, Weights<T> weights, StepRange<T> range, StepSharing? sharing) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TAct _act = act;
        private readonly Weights<T> _weights = weights;
        private readonly StepRange<T> _range = range;
        private readonly StepSharing? _sharing = sharing;

        public void Visit<TRec>(TRec rec) where TRec : struct, IUnaryOp<T>
        {
            switch (GemmLayout.Width)
            {
                case SimdWidth.V512: Run<Vector512<T>, V512<T>, TRec>(rec); break;
                case SimdWidth.V256: Run<Vector256<T>, V256<T>, TRec>(rec); break;
                default: Run<Vector128<T>, V128<T>, TRec>(rec); break;
            }
        }

        private void Run<TV, TS, TRec>(TRec rec) where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T>
        {
            var blocks = new StepBlocks<T, TV, TS, TRec, TAct>(rec, _act, _weights);
            StepLoop.Run(ref blocks, _range, _sharing);
        }
    }

    private ref struct StepBlocks<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Weights<T> weights) : IStepBlocks<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TRec _rec = rec;
        private readonly TAct _act = act;
        private readonly Weights<T> _w = weights;

        public void Run(int step, ref T hPrev, ref T hNext, int first, int end, bool descending)
        {
            int t = _w.GoBackwards ? _w.Time - 1 - step : step;
            _w.StepGate?.WaitForStep(step);
            if (_w.Columns.Active) _w.Columns.Project(t, ref _w.Projection, first * _w.BlockColumns, end * _w.BlockColumns);
            Blocks<T, TV, TS, TRec, TAct>(_rec, _act, ref _w.Recurrent, ref _w.RecurrentBias, ref Unsafe.Add(ref _w.Projection, t * _w.ProjectionStepStride),
                _w.ProjectionRowStride, _w.Units, _w.PaddedUnits, _w.Batch, ref hPrev, ref hNext, first, end, descending);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Blocks<T, TV, TS, TRec, TAct>(TRec rec, TAct act, ref T recurrent, ref T recurrentBias, ref T projection, nint ps,
        int u, int up, int batch, ref T hPrev, ref T hNext, int first, int end, bool descending)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        int lanes = TS.Count, mrMax = RecurrentPanels.TileRows(3);
        if (RecurrentPanels.SumsWholeStep(batch, end - first, 3, lanes, Unsafe.SizeOf<T>()))
        {
            // two rows or more whose sums fit the step tile: every block's sums, then the whole step's gate code
            StepTile<T, TV, TS, TRec, TAct>(rec, act, ref recurrent, ref recurrentBias, ref projection, ps, u, up, batch, ref hPrev, ref hNext, first, end, descending);
            return;
        }
        nint panel = (nint)u * 3 * lanes, zs = 3 * lanes;
        Unsafe.SkipInit(out RecurrentTile tile);
        ref T z = ref Unsafe.As<RecurrentTile, T>(ref tile);
        // every other step visits the blocks in reverse, starting with the panel the previous step read last: still in L1
        for (int n = first; n < end; n++)
        {
            int jb = descending ? first + end - 1 - n : n;
            ref T b = ref Unsafe.Add(ref recurrent, jb * panel);
            ref T rb = ref Unsafe.Add(ref recurrentBias, (nint)jb * 3 * lanes);
            nint col = (nint)jb * lanes;
            for (int r = 0, chunkEnd = 0, rows; r < batch; r += rows)
            {
                // chunks of the GEMM's MR rows, each in register tiles of mrMax rows (RecurrentPanels.Sums)
                if (r == chunkEnd) chunkEnd = r + GemmLayout.RowsOfTile(batch - r);
                rows = Math.Min(mrMax, chunkEnd - r);
                ref T h = ref Unsafe.Add(ref hPrev, (nint)r * up);
                RecurrentPanels.Sums<T, TV, TS, C3>(rows, batch == 1, u, ref h, up, ref b, ref z, zs);
                ref T p = ref Unsafe.Add(ref projection, r * ps + 3 * col);
                ref T hp = ref Unsafe.Add(ref h, col);
                ref T hn = ref Unsafe.Add(ref hNext, (nint)r * up + col);
                for (int i = 0; i < rows; i++)
                    Gates<T, TV, TS, TRec, TAct>(rec, act, ref Unsafe.Add(ref z, i * zs), ref rb, ref Unsafe.Add(ref p, i * ps),
                        ref Unsafe.Add(ref hp, (nint)i * up), ref Unsafe.Add(ref hn, (nint)i * up));
            }
        }
    }

    /// <summary>
    /// A batch step whose sums fit the step tile (<see cref="RecurrentPanels.SumsWholeStep"/>): every block's sums into a
    /// tile on the stack (row r, block i at z[r·blocks·3·L + i·3·L ..], rows cut as in <see cref="Blocks"/>), then the
    /// update and reset gates of every row and block (<see cref="Gate"/>), then every candidate and h' (<see cref="Output"/>):
    /// the operations of <see cref="Gates"/>, so the bits are those of the tile-by-tile order.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void StepTile<T, TV, TS, TRec, TAct>(TRec rec, TAct act, ref T recurrent, ref T recurrentBias, ref T projection, nint ps,
        int u, int up, int batch, ref T hPrev, ref T hNext, int first, int end, bool descending)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        int lanes = TS.Count, mrMax = RecurrentPanels.TileRows(3), blocks = end - first;
        System.Diagnostics.Debug.Assert(RecurrentPanels.SumsWholeStep(batch, blocks, 3, lanes, Unsafe.SizeOf<T>())); // Blocks checked it: the tile is at most 32 KiB
        nint w = lanes, panel = (nint)u * 3 * lanes, zs = 3 * w, zrow = blocks * zs;
        Span<T> tile = stackalloc T[batch * (int)zrow];
        ref T z = ref MemoryMarshal.GetReference(tile);
        for (int n = first; n < end; n++)
        {
            int jb = descending ? first + end - 1 - n : n;
            ref T b = ref Unsafe.Add(ref recurrent, jb * panel);
            nint zb = (jb - first) * zs;
            for (int r = 0, chunkEnd = 0, rows; r < batch; r += rows)
            {
                if (r == chunkEnd) chunkEnd = r + GemmLayout.RowsOfTile(batch - r);
                rows = Math.Min(mrMax, chunkEnd - r);
                RecurrentPanels.Sums<T, TV, TS, C3>(rows, false, u, ref Unsafe.Add(ref hPrev, (nint)r * up), up, ref b, ref Unsafe.Add(ref z, r * zrow + zb), zrow);
            }
        }
        ref T rb0 = ref Unsafe.Add(ref recurrentBias, (nint)first * zs);
        for (int r = 0; r < batch; r++)
        {
            ref T zr = ref Unsafe.Add(ref z, r * zrow);
            ref T pr = ref Unsafe.Add(ref projection, r * ps + first * zs);
            for (int i = 0; i < blocks; i++)
            {
                // the update and reset gates overwrite their sums
                ref T s = ref Unsafe.Add(ref zr, i * zs);
                ref T rb = ref Unsafe.Add(ref rb0, i * zs);
                ref T p = ref Unsafe.Add(ref pr, i * zs);
                TS.Store(Gate<T, TV, TS, TRec>(rec, ref p, ref s, ref rb), ref s);
                TS.Store(Gate<T, TV, TS, TRec>(rec, ref Unsafe.Add(ref p, w), ref Unsafe.Add(ref s, w), ref Unsafe.Add(ref rb, w)), ref Unsafe.Add(ref s, w));
            }
        }
        for (int r = 0; r < batch; r++)
        {
            ref T zr = ref Unsafe.Add(ref z, r * zrow);
            ref T pr = ref Unsafe.Add(ref projection, r * ps + first * zs);
            nint c0 = (nint)r * up + (nint)first * w;
            for (int i = 0; i < blocks; i++)
            {
                ref T s = ref Unsafe.Add(ref zr, i * zs);
                nint col = c0 + i * w;
                TS.Store(Output<T, TV, TS, TAct>(act, TS.Load(ref s), TS.Load(ref Unsafe.Add(ref s, w)), ref Unsafe.Add(ref pr, i * zs + 2 * w),
                    ref Unsafe.Add(ref s, 2 * w), ref Unsafe.Add(ref rb0, i * zs + 2 * w), ref Unsafe.Add(ref hPrev, col)), ref Unsafe.Add(ref hNext, col));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gates<T, TV, TS, TRec, TAct>(TRec rec, TAct act, ref T sums, ref T rb, ref T p, ref T hp, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        nint w = TS.Count;
        TV z = Gate<T, TV, TS, TRec>(rec, ref p, ref sums, ref rb);
        TV r = Gate<T, TV, TS, TRec>(rec, ref Unsafe.Add(ref p, w), ref Unsafe.Add(ref sums, w), ref Unsafe.Add(ref rb, w));
        TS.Store(Output<T, TV, TS, TAct>(act, z, r, ref Unsafe.Add(ref p, 2 * w), ref Unsafe.Add(ref sums, 2 * w), ref Unsafe.Add(ref rb, 2 * w), ref hp), ref hn);
    }

    /// <summary>The update or reset gate: rec(x + (h·U + b')), Keras's order, the recurrent product and its bias first (as the generic cell's GEMM does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Gate<T, TV, TS, TRec>(TRec rec, ref T p, ref T sums, ref T rb)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> =>
        rec.Invoke<TV, TS>(TS.Add(TS.Load(ref p), TS.Add(TS.Load(ref sums), TS.Load(ref rb))));

    /// <summary>h' = z·h + (1 − z)·act(x_h + r·(h·U_h + b'_h)) from the update gate z and the reset gate r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Output<T, TV, TS, TAct>(TAct act, TV z, TV r, ref T p, ref T sums, ref T rb, ref T hp)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TAct : struct, IUnaryOp<T>
    {
        TV hh = act.Invoke<TV, TS>(TS.Add(TS.Load(ref p), TS.Mul(r, TS.Add(TS.Load(ref sums), TS.Load(ref rb)))));
        return TS.Add(TS.Mul(z, TS.Load(ref hp)), TS.Mul(TS.Sub(TS.Splat(1.0), z), hh));
    }
}
