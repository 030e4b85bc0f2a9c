using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// A SimpleRNN repacked once for <see cref="SimpleRnnStepKernel"/>: units are grouped in blocks of 4·L (four vectors,
/// so one row's step has eight independent FMA chains); the recurrent_kernel is stored per block as a u × 4L panel
/// (64-byte aligned); the input kernel and bias are padded with zero columns to whole blocks for the projection GEMM.
/// </summary>
internal sealed class SimpleRnnPacked<T> : IFusedSequence<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _recurrent;
    private readonly int _recurrentOffset;

    private SimpleRnnPacked(int units, int lanes, T[] recurrent, int recurrentOffset, PackedMatrix<T> kernel, T[] bias, Activation activation)
    {
        Units = units; Lanes = lanes; _recurrent = recurrent; _recurrentOffset = recurrentOffset; Kernel = kernel; Bias = bias; Activation = activation;
    }

    /// <summary>Vectors per block.</summary>
    public const int VectorsPerBlock = 4;

    /// <inheritdoc/>
    public int Units { get; }
    /// <summary>Lanes of one vector.</summary>
    public int Lanes { get; }
    /// <summary>Units per block (4 vectors).</summary>
    public int BlockWidth => VectorsPerBlock * Lanes;
    /// <inheritdoc/>
    public int Blocks => (Units + BlockWidth - 1) / BlockWidth;
    /// <inheritdoc/>
    public int PaddedUnits => Blocks * BlockWidth;
    /// <inheritdoc/>
    public int ProjectionWidth => PaddedUnits;
    /// <inheritdoc/>
    public PackedMatrix<T> Kernel { get; }
    /// <summary>The bias padded to PaddedUnits (zeros when the layer has no bias).</summary>
    public T[] Bias { get; }
    /// <summary>Keras activation.</summary>
    public Activation Activation { get; }
    /// <inheritdoc/>
    public long RecurrentBytes => (long)Blocks * Units * BlockWidth * Unsafe.SizeOf<T>();
    internal ref T Recurrent => ref _recurrent[_recurrentOffset];

    /// <summary>Packs for the process's vector width; null without SIMD or when the activation has no vectorised operator.</summary>
    public static SimpleRnnPacked<T>? Create(int inputSize, int units, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel, ReadOnlySpan<T> bias,
        in Activation activation)
    {
        int lanes = GemmLayout.Lanes<T>();
        if (GemmLayout.Width == SimdWidth.Scalar || lanes < 2 || units < 1 || !FusedSequenceKernel.Supports(activation)) return null;
        int bw = VectorsPerBlock * lanes, blocks = (units + bw - 1) / bw, padded = blocks * bw;
        var recurrent = AlignedArray.Allocate<T>(blocks * units * bw, out int offset);
        var kernelPadded = new T[inputSize * padded];
        var biasPadded = new T[padded];
        for (int j = 0; j < units; j++)
        {
            for (int p = 0; p < inputSize; p++) kernelPadded[p * padded + j] = kernel[p * units + j];
            int block = j / bw, within = j % bw;
            for (int p = 0; p < units; p++) recurrent[offset + (block * units + p) * bw + within] = recurrentKernel[p * units + j];
            if (!bias.IsEmpty) biasPadded[j] = bias[j];
        }
        return new SimpleRnnPacked<T>(units, lanes, recurrent, offset, PackedMatrix<T>.Pack(kernelPadded, inputSize, padded), biasPadded, activation);
    }

    /// <inheritdoc/>
    public unsafe void Steps(int batch, int time, bool goBackwards, T* projection, T* hA, T* hB, T* sequenceOutput,
        int firstStep, int endStep, int firstBlock, int endBlock, StepSharing? sharing = null, IStepGate? stepwise = null,
        T* inputs = null, int inputSize = 0)
    {
        if (stepwise is not null && (sharing is not null || inputs != null)) throw new ArgumentException("a stepwise projection is written by one thread.");
        var range = StepRange<T>.Checked("SimpleRNN", Units, PaddedUnits, Blocks, BlockWidth, batch, time, hA, hB, sequenceOutput, firstStep, endStep, firstBlock, endBlock, sharing);
        var weights = new SimpleRnnStepKernel.Weights<T>
        {
            Recurrent = ref Recurrent,
            Projection = ref *projection,
            Units = Units,
            PaddedUnits = PaddedUnits,
            Batch = batch,
            Time = time,
            GoBackwards = goBackwards,
            ProjectionStepStride = stepwise is null && inputs == null ? ProjectionWidth : 0,
            ProjectionRowStride = stepwise is null && inputs == null ? (nint)time * ProjectionWidth : ProjectionWidth,
            StepGate = stepwise,
            Columns = inputs == null ? default : StepColumns<T>.Create(Kernel, Bias, inputs, inputSize, batch, time, "SimpleRNN"),
            BlockColumns = BlockWidth,
        };
        var visitor = new SimpleRnnStepKernel.Visitor<T>(weights, range, sharing);
        ActivationDispatch.Visit<T, SimpleRnnStepKernel.Visitor<T>>(Activation, ref visitor);
    }
}

/// <summary>
/// The fused SimpleRNN sequence over <see cref="SimpleRnnPacked{T}"/>: for each block of 4·L units and up to
/// six batch rows, h·U is accumulated in registers
/// (<see cref="RecurrentPanels"/>), then h' = act(x·W + b + h·U) is stored directly.
/// </summary>
internal static class SimpleRnnStepKernel
{
    /// <summary>What every step reads: the packed weights, the projection of the whole sequence, the sizes.</summary>
    internal ref struct Weights<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public ref T Recurrent, Projection;
        public int Units, PaddedUnits, Batch, Time;
        public bool GoBackwards;
        public nint ProjectionStepStride, ProjectionRowStride; // from one step's projection rows to the next's (0: one step's, rewritten), between rows
        public IStepGate? StepGate;                            // writes each step's rows first (a stepwise projection)
        public StepColumns<T> Columns;                         // active: each run of blocks projects its columns of the step's rows first
        public int BlockColumns;                               // projection columns of a block
    }

    internal readonly ref struct Visitor<T>(Weights<T> weights, StepRange<T> range, StepSharing? sharing) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Weights<T> _weights = weights;
        private readonly StepRange<T> _range = range;
        private readonly StepSharing? _sharing = sharing;

        public void Visit<TAct>(TAct act) where TAct : struct, IUnaryOp<T>
        {
            switch (GemmLayout.Width)
            {
                case SimdWidth.V512: Run<Vector512<T>, V512<T>, TAct>(act); break;
                case SimdWidth.V256: Run<Vector256<T>, V256<T>, TAct>(act); break;
                default: Run<Vector128<T>, V128<T>, TAct>(act); break;
            }
        }

        private void Run<TV, TS, TAct>(TAct act) where TV : struct where TS : ISimdOps<TV, T> where TAct : struct, IUnaryOp<T>
        {
            var blocks = new StepBlocks<T, TV, TS, TAct>(act, _weights);
            StepLoop.Run(ref blocks, _range, _sharing);
        }
    }

    private ref struct StepBlocks<T, TV, TS, TAct>(TAct act, Weights<T> weights) : IStepBlocks<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TAct _act = act;
        private readonly Weights<T> _w = weights;

        public void Run(int step, ref T hPrev, ref T hNext, int first, int end, bool descending)
        {
            int t = _w.GoBackwards ? _w.Time - 1 - step : step;
            _w.StepGate?.WaitForStep(step);
            if (_w.Columns.Active) _w.Columns.Project(t, ref _w.Projection, first * _w.BlockColumns, end * _w.BlockColumns);
            Blocks<T, TV, TS, TAct>(_act, ref _w.Recurrent, ref Unsafe.Add(ref _w.Projection, t * _w.ProjectionStepStride), _w.ProjectionRowStride, _w.Units, _w.PaddedUnits,
                _w.Batch, ref hPrev, ref hNext, first, end, descending);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Blocks<T, TV, TS, TAct>(TAct act, ref T recurrent, ref T projection, nint ps, int u, int up, int batch,
        ref T hPrev, ref T hNext, int first, int end, bool descending)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TAct : struct, IUnaryOp<T>
    {
        int mrMax = RecurrentPanels.TileRows(SimpleRnnPacked<T>.VectorsPerBlock);
        nint w = TS.Count, bw = 4 * w, panel = u * bw;
        Unsafe.SkipInit(out RecurrentTile tile);
        ref T z = ref Unsafe.As<RecurrentTile, T>(ref tile);
        // every other step visits the blocks in reverse, starting with the panel the previous step read last: still in L1
        for (int n = first; n < end; n++)
        {
            int jb = descending ? first + end - 1 - n : n;
            ref T b = ref Unsafe.Add(ref recurrent, jb * panel);
            nint col = jb * bw;
            for (int r = 0, chunkEnd = 0, rows; r < batch; r += rows)
            {
                // chunks of the GEMM's MR rows, each in register tiles of mrMax rows (RecurrentPanels.Sums)
                if (r == chunkEnd) chunkEnd = r + GemmLayout.RowsOfTile(batch - r);
                rows = Math.Min(mrMax, chunkEnd - r);
                ref T h = ref Unsafe.Add(ref hPrev, (nint)r * up);
                ref T p = ref Unsafe.Add(ref projection, r * ps + col);
                RecurrentPanels.Sums<T, TV, TS, C4>(rows, batch == 1, u, ref h, up, ref b, ref z, bw);
                ref T hn = ref Unsafe.Add(ref hNext, (nint)r * up + col);
                for (int i = 0; i < rows; i++)
                {
                    // x·W + b + h·U in the generic cell's order (the projection, then the product added to it)
                    ref T zi = ref Unsafe.Add(ref z, i * bw);
                    ref T pi = ref Unsafe.Add(ref p, i * ps);
                    ref T hi = ref Unsafe.Add(ref hn, (nint)i * up);
                    TS.Store(act.Invoke<TV, TS>(TS.Add(TS.Load(ref pi), TS.Load(ref zi))), ref hi);
                    TS.Store(act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref pi, w)), TS.Load(ref Unsafe.Add(ref zi, w)))), ref Unsafe.Add(ref hi, w));
                    TS.Store(act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref pi, 2 * w)), TS.Load(ref Unsafe.Add(ref zi, 2 * w)))), ref Unsafe.Add(ref hi, 2 * w));
                    TS.Store(act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref pi, 3 * w)), TS.Load(ref Unsafe.Add(ref zi, 3 * w)))), ref Unsafe.Add(ref hi, 3 * w));
                }
            }
        }
    }
}
