using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// LSTM weights repacked once for <see cref="LstmStepKernel"/>: units are grouped in blocks of L (the lanes of one
/// vector) and the four gates of a block are interleaved, so one block's columns are [i(L) f(L) c(L) o(L)].
/// <see cref="Recurrent"/> holds, per block, the u rows of those 4·L columns contiguously (a GEMM panel whose four
/// vectors are exactly the four gates); <see cref="Kernel"/> is the input kernel in the same column order (packed for
/// the GEMM) and <see cref="Bias"/> the bias in that order. Padding units (u rounded up to L) have zero weights and bias.
/// </summary>
internal sealed class LstmPacked<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _recurrent; // pinned; element _recurrentOffset is 64-byte aligned
    private readonly int _recurrentOffset, _recurrentLength;

    private LstmPacked(int units, int lanes, T[] recurrent, int recurrentOffset, int recurrentLength, PackedMatrix<T> kernel, T[] bias)
    {
        Units = units; Lanes = lanes; Kernel = kernel; Bias = bias;
        _recurrent = recurrent; _recurrentOffset = recurrentOffset; _recurrentLength = recurrentLength;
    }

    /// <summary>Keras units.</summary>
    public int Units { get; }
    /// <summary>Units per block (the vector lanes).</summary>
    public int Lanes { get; }
    /// <summary>Blocks of <see cref="Lanes"/> units.</summary>
    public int Blocks => (Units + Lanes - 1) / Lanes;
    /// <summary>Units rounded up to whole blocks: the row stride of the h and c buffers.</summary>
    public int PaddedUnits => Blocks * Lanes;
    /// <summary>Width of one gate-interleaved projection row, 4 · <see cref="PaddedUnits"/>.</summary>
    public int ProjectionWidth => 4 * PaddedUnits;
    /// <summary>Blocks × units × 4·lanes, 64-byte aligned (a vector load that straddles two cache lines costs two: the
    /// one-row step, which streams these panels, ran 1.5 times slower on unaligned ones).</summary>
    public Span<T> Recurrent => _recurrent.AsSpan(_recurrentOffset, _recurrentLength);
    /// <summary>input × 4·PaddedUnits, gate-interleaved, packed.</summary>
    public PackedMatrix<T> Kernel { get; }
    /// <summary>4·PaddedUnits, gate-interleaved (zeros when the layer has no bias).</summary>
    public T[] Bias { get; }

    /// <summary>The interleaved column of gate <paramref name="gate"/> (0..3: i, f, c, o) of unit <paramref name="unit"/>.</summary>
    public int Column(int gate, int unit) => unit / Lanes * 4 * Lanes + gate * Lanes + unit % Lanes;

    /// <summary>Packs for the process's vector width; null when the kernels run without SIMD.</summary>
    public static LstmPacked<T>? Create(int inputSize, int units, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel, ReadOnlySpan<T> bias)
    {
        int lanes = GemmLayout.Lanes<T>();
        if (GemmLayout.Width == SimdWidth.Scalar || lanes < 2) return null;
        int blocks = (units + lanes - 1) / lanes, padded = blocks * lanes, width = 4 * padded;
        int recurrentLength = blocks * units * 4 * lanes;
        var recurrent = AlignedArray.Allocate<T>(recurrentLength, out int offset);
        var kernelInterleaved = new T[inputSize * width];
        var biasInterleaved = new T[width];
        for (int g = 0; g < 4; g++)
        {
            for (int j = 0; j < units; j++)
            {
                int col = j / lanes * 4 * lanes + g * lanes + j % lanes;
                int source = g * units + j;
                for (int p = 0; p < inputSize; p++) kernelInterleaved[p * width + col] = kernel[p * 4 * units + source];
                int block = j / lanes, within = g * lanes + j % lanes;
                for (int p = 0; p < units; p++) recurrent[offset + (block * units + p) * 4 * lanes + within] = recurrentKernel[p * 4 * units + source];
                if (!bias.IsEmpty) biasInterleaved[col] = bias[source];
            }
        }
        return new LstmPacked<T>(units, lanes, recurrent, offset, recurrentLength, PackedMatrix<T>.Pack(kernelInterleaved, inputSize, width), biasInterleaved);
    }
}

/// <summary>Something a step loop waits on before step s (e.g. the projection rows of that step being written).</summary>
internal interface IStepGate
{
    /// <summary>Returns once step <paramref name="step"/> (in processing order) may run.</summary>
    void WaitForStep(int step);
}

/// <summary>
/// One fused LSTM step over gate-interleaved weights (<see cref="LstmPacked{T}"/>): for each block of L units and up to
/// MR batch rows, the four gate pre-activations h·U are accumulated in registers, the input projection (x·W + b, same
/// interleaved order) is added, and the gates, c' and h' are computed and stored without any intermediate buffer.
/// Rows: h (stride PaddedUnits) in, c (stride PaddedUnits) in and out (may be the same buffer), h' out.
/// </summary>
internal static class LstmStepKernel
{
    /// <summary>
    /// Runs units blocks [firstBlock, endBlock) of one step for batch rows 0..batch−1.
    /// </summary>
    /// <param name="w">The packed weights.</param>
    /// <param name="activation">Keras activation (element-wise, vectorised).</param>
    /// <param name="recurrentActivation">Keras recurrent_activation (element-wise, vectorised).</param>
    /// <param name="batch">Rows.</param>
    /// <param name="projection">Row r's interleaved projection at projection[r·projectionStride ..].</param>
    /// <param name="projectionStride">Elements between consecutive rows' projections.</param>
    /// <param name="hPrev">batch × PaddedUnits.</param>
    /// <param name="cPrev">batch × PaddedUnits.</param>
    /// <param name="cNext">batch × PaddedUnits (may be <paramref name="cPrev"/>).</param>
    /// <param name="hNext">batch × PaddedUnits, disjoint from <paramref name="hPrev"/>.</param>
    /// <param name="firstBlock">First unit block.</param>
    /// <param name="endBlock">One past the last unit block.</param>
    public static void Step<T>(LstmPacked<T> w, in Activation activation, in Activation recurrentActivation, int batch,
        ReadOnlySpan<T> projection, int projectionStride, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> cPrev, Span<T> cNext, Span<T> hNext,
        int firstBlock, int endBlock) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int up = w.PaddedUnits;
        if (batch < 1 || hPrev.Length < batch * up || cPrev.Length < batch * up || cNext.Length < batch * up || hNext.Length < batch * up
            || projection.Length < (long)(batch - 1) * projectionStride + w.ProjectionWidth || firstBlock < 0 || firstBlock > endBlock || endBlock > w.Blocks)
            throw new ArgumentException("LSTM step buffers are inconsistent with the packed weights.");
        var args = new Args<T>
        {
            Recurrent = ref w.Recurrent[0],
            Units = w.Units,
            PaddedUnits = up,
            Batch = batch,
            Projection = ref MemoryMarshal.GetReference(projection),
            ProjectionStride = projectionStride,
            HPrev = ref MemoryMarshal.GetReference(hPrev),
            CPrev = ref MemoryMarshal.GetReference(cPrev),
            CNext = ref MemoryMarshal.GetReference(cNext),
            HNext = ref MemoryMarshal.GetReference(hNext),
            First = firstBlock,
            End = endBlock,
        };
        var outer = new Outer<T>(recurrentActivation, args);
        ActivationDispatch.Visit<T, Outer<T>>(activation, ref outer);
    }

    /// <summary>
    /// Runs the whole sequence: for s = 0..time−1 (t = s, or time−1−s going backwards) one fused step with the
    /// projection rows of step t, h ping-ponging between <paramref name="hA"/> (initial h in) and <paramref name="hB"/>,
    /// c updated in place; when <paramref name="sequenceOutput"/> is not empty, h of step s goes to
    /// sequenceOutput[(b·time + s)·units ..]. Returns true when the final h is in <paramref name="hB"/>.
    /// </summary>
    /// <param name="w">The packed weights.</param>
    /// <param name="activation">Keras activation.</param>
    /// <param name="recurrentActivation">Keras recurrent_activation.</param>
    /// <param name="batch">Rows.</param>
    /// <param name="time">Steps.</param>
    /// <param name="goBackwards">Iterate from the last step.</param>
    /// <param name="projection">batch × time × ProjectionWidth, batch-first (x·W + b, interleaved).</param>
    /// <param name="hA">batch × PaddedUnits: initial h.</param>
    /// <param name="hB">batch × PaddedUnits: scratch.</param>
    /// <param name="c">batch × PaddedUnits: c in and out.</param>
    /// <param name="sequenceOutput">batch × time × units, or empty.</param>
    /// <param name="stepGate">Null, or told before each step s, which returns once that step's projection rows are written.</param>
    public static bool Sequence<T>(LstmPacked<T> w, in Activation activation, in Activation recurrentActivation, int batch, int time, bool goBackwards,
        ReadOnlySpan<T> projection, Span<T> hA, Span<T> hB, Span<T> c, Span<T> sequenceOutput, IStepGate? stepGate = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int up = w.PaddedUnits;
        if (batch < 1 || time < 1 || hA.Length < batch * up || hB.Length < batch * up || c.Length < batch * up
            || projection.Length < (long)batch * time * w.ProjectionWidth
            || (!sequenceOutput.IsEmpty && sequenceOutput.Length < (long)batch * time * w.Units))
            throw new ArgumentException("LSTM sequence buffers are inconsistent with the packed weights.");
        var args = new Args<T>
        {
            Recurrent = ref w.Recurrent[0],
            Units = w.Units,
            PaddedUnits = up,
            Batch = batch,
            Projection = ref MemoryMarshal.GetReference(projection),
            ProjectionStride = time * w.ProjectionWidth,
            ProjectionStepStride = w.ProjectionWidth,
            HPrev = ref MemoryMarshal.GetReference(hA),
            HNext = ref MemoryMarshal.GetReference(hB),
            CPrev = ref MemoryMarshal.GetReference(c),
            CNext = ref MemoryMarshal.GetReference(c),
            First = 0,
            End = w.Blocks,
            Time = time,
            GoBackwards = goBackwards,
            Sequence = ref MemoryMarshal.GetReference(sequenceOutput),
            HasSequence = !sequenceOutput.IsEmpty,
            StepGate = stepGate,
        };
        var outer = new Outer<T>(recurrentActivation, args);
        ActivationDispatch.Visit<T, Outer<T>>(activation, ref outer);
        return time % 2 == 1;
    }

    /// <summary>
    /// <see cref="Sequence{T}"/> for unit blocks [firstBlock, endBlock) only (e.g. one part's batch rows, or all of them).
    /// Buffers are whole (all rows, all blocks).
    /// </summary>
    internal static unsafe void SequencePart<T>(LstmPacked<T> w, in Activation activation, in Activation recurrentActivation, int batch, int time,
        bool goBackwards, T* projection, T* hA, T* hB, T* c, T* sequenceOutput, int firstBlock, int endBlock)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var args = Part(w, batch, time, goBackwards, projection, hA, hB, c, sequenceOutput, firstBlock, endBlock);
        var outer = new Outer<T>(recurrentActivation, args);
        ActivationDispatch.Visit<T, Outer<T>>(activation, ref outer);
    }

    /// <summary>
    /// <see cref="SequencePart{T}"/> over all blocks of two or more rows, with the input projection of one step at a time:
    /// <paramref name="stepProjection"/> (batch × ProjectionWidth) holds the rows of the step about to run, which
    /// <paramref name="stepGate"/> writes there when told the step (<see cref="IStepGate.WaitForStep"/>).
    /// </summary>
    internal static unsafe void SequenceStepwise<T>(LstmPacked<T> w, in Activation activation, in Activation recurrentActivation, int batch, int time,
        bool goBackwards, T* stepProjection, T* hA, T* hB, T* c, T* sequenceOutput, IStepGate stepGate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch < 2 || time < 1) throw new ArgumentException("a stepwise LSTM projection needs two rows or more and a step.");
        var args = Part(w, batch, time, goBackwards, stepProjection, hA, hB, c, sequenceOutput, 0, w.Blocks);
        args.ProjectionStride = w.ProjectionWidth;
        args.ProjectionStepStride = 0;
        args.StepGate = stepGate;
        var outer = new Outer<T>(recurrentActivation, args);
        ActivationDispatch.Visit<T, Outer<T>>(activation, ref outer);
    }

    /// <summary>
    /// Steps s = firstStep..endStep−1 of a sequence of <paramref name="time"/> for unit blocks [firstBlock, endBlock)
    /// through <see cref="StepLoop"/> (same buffers as <see cref="SequencePart{T}"/>; step s reads h from
    /// <paramref name="hA"/> when s is even, else <paramref name="hB"/>, and writes the other; c in place). With
    /// <paramref name="sharing"/>, this side leads or helps another thread running the same steps (<see cref="PairPhases"/>).
    /// Blocks are independent within a step and each sums exactly as in the whole-sequence loop, so any partition of
    /// them over threads, and of the steps over leader and helper, gives the serial kernel's bits.
    /// With <paramref name="inputs"/> (batch-first, batch × time × <paramref name="inputSize"/>), <paramref name="projection"/>
    /// holds one step's rows only (batch × ProjectionWidth): each run of blocks first writes their columns of the step's
    /// rows there (x·W + b, one product of the batch's rows), so no step reads a column another thread writes. A product
    /// of two rows or more with inputs up to one k-block sums every row as the whole-sequence product does
    /// (<see cref="Gemm"/>), so the bits are the same.
    /// </summary>
    internal static unsafe void SharedSteps<T>(LstmPacked<T> w, in Activation activation, in Activation recurrentActivation, int batch, int time,
        bool goBackwards, T* projection, T* hA, T* hB, T* c, T* sequenceOutput, int firstStep, int endStep, int firstBlock, int endBlock,
        StepSharing? sharing, T* inputs = null, int inputSize = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch < 1 || time < 1 || firstStep < 0 || firstStep > endStep || endStep > time || firstBlock < 0 || firstBlock > endBlock || endBlock > w.Blocks
            || (sharing is { } share && (share.Split < firstBlock || share.Split > endBlock)))
            throw new ArgumentException("LSTM sequence arguments are inconsistent with the packed weights.");
        var args = Part(w, batch, time, goBackwards, projection, hA, hB, c, sequenceOutput, firstBlock, endBlock);
        args.Loop = true;
        args.FirstStep = firstStep;
        args.EndStep = endStep;
        args.Sharing = sharing;
        if (inputs != null)
        {
            args.ProjectionStride = w.ProjectionWidth;
            args.ProjectionStepStride = 0;
            args.Columns = StepColumns<T>.Create(w.Kernel, w.Bias, inputs, inputSize, batch, time, "LSTM");
        }
        var outer = new Outer<T>(recurrentActivation, args);
        ActivationDispatch.Visit<T, Outer<T>>(activation, ref outer);
    }

    private static unsafe Args<T> Part<T>(LstmPacked<T> w, int batch, int time, bool goBackwards, T* projection, T* hA, T* hB, T* c, T* sequenceOutput,
        int firstBlock, int endBlock) where T : unmanaged, IFloatingPointIeee754<T> => new()
    {
        Recurrent = ref w.Recurrent[0],
        Units = w.Units,
        PaddedUnits = w.PaddedUnits,
        Batch = batch,
        Projection = ref *projection,
        ProjectionStride = time * w.ProjectionWidth,
        ProjectionStepStride = w.ProjectionWidth,
        HPrev = ref *hA,
        HNext = ref *hB,
        CPrev = ref *c,
        CNext = ref *c,
        First = firstBlock,
        End = endBlock,
        Time = time,
        GoBackwards = goBackwards,
        Sequence = ref sequenceOutput == null ? ref Unsafe.NullRef<T>() : ref *sequenceOutput,
        HasSequence = sequenceOutput != null,
    };

    /// <summary>Largest recurrent_kernel (bytes, an L1 data cache) for which a one-row step runs all its blocks' sums, then their gate code (<see cref="Row"/>; two blocks: <see cref="PairSequence"/>).</summary>
    internal const long PairMaximumRecurrentBytes = 32 * 1024;

    /// <summary>
    /// Batch rows per tile of the step kernel: 6 (with 16 vector registers summed in two parts, <see cref="RecurrentPanels.TileInParts"/>).
    /// A batch is cut into even tiles; only a batch of one row has a one-row tile, which sums in another order.
    /// </summary>
    internal static int TileRows => RecurrentPanels.TileRows(4);

    /// <summary>True when both activations have vectorised operators (every element-wise one but exact gelu).</summary>

    public static bool Supports(in Activation activation, in Activation recurrentActivation) =>
        activation.IsElementwise && recurrentActivation.IsElementwise
        && activation.Kind != ActivationKind.Gelu && recurrentActivation.Kind != ActivationKind.Gelu;

    private ref struct Args<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public ref T Recurrent;
        public int Units, PaddedUnits, Batch, ProjectionStride, First, End;
        public int ProjectionStepStride; // from one time step's projection rows to the next's (0: one step's rows, rewritten each step)
        public ref T Projection, HPrev, CPrev, CNext, HNext;
        public int Time; // 0: one step
        public bool GoBackwards, HasSequence, Reverse;
        public ref T Sequence;
        public IStepGate? StepGate;  // set when the projection is still being written (LstmProjectionPipeline)
        public bool Loop;            // steps [FirstStep, EndStep) through StepLoop, shared when Sharing is set
        public int FirstStep, EndStep;
        public StepSharing? Sharing;
        public StepColumns<T> Columns; // active: each run of blocks projects its columns of the step's rows first
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
                case SimdWidth.V512: Steps<T, Vector512<T>, V512<T>, TRec, TAct>(rec, _act, _args, TileRows); break;
                case SimdWidth.V256: Steps<T, Vector256<T>, V256<T>, TRec, TAct>(rec, _act, _args, TileRows); break;
                default: Steps<T, Vector128<T>, V128<T>, TRec, TAct>(rec, _act, _args, TileRows); break;
            }
        }
    }

    private static void Steps<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Args<T> a, int mrMax)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        if (a.Time == 0)
        {
            Blocks<T, TV, TS, TRec, TAct>(rec, act, a, mrMax);
            return;
        }
        if (a.Loop)
        {
            var range = new StepRange<T>
            {
                HA = ref a.HPrev,
                HB = ref a.HNext,
                Sequence = ref a.Sequence,
                HasSequence = a.HasSequence,
                Units = a.Units,
                PaddedUnits = a.PaddedUnits,
                Batch = a.Batch,
                Time = a.Time,
                BlockWidth = TS.Count,
                FirstStep = a.FirstStep,
                EndStep = a.EndStep,
                First = a.First,
                End = a.End,
            };
            var blocks = new StepBlocks<T, TV, TS, TRec, TAct>(rec, act, a, mrMax);
            StepLoop.Run(ref blocks, range, a.Sharing);
            return;
        }
        int time = a.Time, u = a.Units, up = a.PaddedUnits;
        ref T projection = ref a.Projection;
        int j0 = a.First * TS.Count, j1 = Math.Min(a.End * TS.Count, u); // this call's units
        if (a.Batch == 1 && a.First == 0 && a.End == 2 && up == 2 * TS.Count && (long)u * 4 * up * Unsafe.SizeOf<T>() <= PairMaximumRecurrentBytes)
        {
            // a one-row layer of exactly two blocks (17..32 float units at 512 bits): the whole sequence in one loop
            PairSequence<T, TV, TS, TRec, TAct>(rec, act, u, time, a.GoBackwards, ref a.HPrev, ref a.HNext, ref a.Recurrent, ref projection,
                a.ProjectionStepStride, ref a.CPrev, a.StepGate, ref a.Sequence, a.HasSequence);
            return;
        }
        if (a.Batch == 1 && (long)u * 4 * up * Unsafe.SizeOf<T>() <= PairMaximumRecurrentBytes)
        {
            // any other one-row layer whose recurrent_kernel is in L1: the whole sequence in one loop of Row steps
            RowSequence<T, TV, TS, TRec, TAct>(rec, act, u, time, a.GoBackwards, a.First, a.End, ref a.HPrev, ref a.HNext, ref a.Recurrent, ref projection,
                a.ProjectionStepStride, ref a.CPrev, a.StepGate, ref a.Sequence, a.HasSequence);
            return;
        }
        for (int s = 0; s < time; s++)
        {
            int t = a.GoBackwards ? time - 1 - s : s;
            a.StepGate?.WaitForStep(s);
            a.Projection = ref Unsafe.Add(ref projection, (nint)t * a.ProjectionStepStride);
            // odd steps visit the blocks last-to-first: the panels read last are still in cache when a layer's
            // recurrent_kernel is larger than the cache (a cyclic sweep would miss on every panel)
            a.Reverse = (s & 1) == 1;
            Blocks<T, TV, TS, TRec, TAct>(rec, act, a, mrMax);
            if (a.HasSequence && j1 > j0)
                for (int b = 0; b < a.Batch; b++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref a.HNext, (nint)b * up + j0), j1 - j0)
                        .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref a.Sequence, ((nint)b * time + s) * u + j0), j1 - j0));
            ref T swap = ref a.HPrev;
            a.HPrev = ref a.HNext;
            a.HNext = ref swap;
        }
    }

    /// <summary>One step's blocks for <see cref="StepLoop"/>: the projection rows of the step, h in and out, the blocks, their order.</summary>
    private ref struct StepBlocks<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Args<T> args, int mrMax) : IStepBlocks<T>
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        private readonly TRec _rec = rec;
        private readonly TAct _act = act;
        private readonly Args<T> _args = args;
        private readonly int _mrMax = mrMax;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int step, ref T hPrev, ref T hNext, int first, int end, bool descending)
        {
            scoped Args<T> a = _args;
            int t = a.GoBackwards ? a.Time - 1 - step : step;
            a.Projection = ref Unsafe.Add(ref a.Projection, (nint)t * a.ProjectionStepStride);
            a.HPrev = ref hPrev;
            a.HNext = ref hNext;
            a.First = first;
            a.End = end;
            a.Reverse = descending;
            if (a.Columns.Active) a.Columns.Project(t, ref a.Projection, first * 4 * TS.Count, end * 4 * TS.Count); // a block's 4·L columns are whole panels
            Blocks<T, TV, TS, TRec, TAct>(_rec, _act, a, _mrMax);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocks<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Args<T> a, int mrMax)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        int lanes = TS.Count, u = a.Units, up = a.PaddedUnits;
        nint panel = (nint)u * 4 * lanes;
        if (a.Batch == 1 && (long)u * 4 * up * Unsafe.SizeOf<T>() <= PairMaximumRecurrentBytes)
        {
            // one row, recurrent_kernel in L1: every block's sums, then every block's gate code (Row)
            Row<T, TV, TS, TRec, TAct>(rec, act, u, ref a.HPrev, ref a.Recurrent, a.First, a.End, a.Reverse, ref a.Projection, ref a.CPrev, ref a.CNext, ref a.HNext);
            return;
        }
        if (SumsWholeStep(a.Batch, a.End - a.First, lanes, Unsafe.SizeOf<T>()))
        {
            // two rows or more whose sums fit the step tile: every block's sums, then the whole step's gate code
            StepTile<T, TV, TS, TRec, TAct>(rec, act, a, mrMax);
            return;
        }
        for (int i = a.First; i < a.End; i++)
        {
            int jb = a.Reverse ? a.End - 1 - (i - a.First) : i;
            ref T b = ref Unsafe.Add(ref a.Recurrent, jb * panel);
            nint col = (nint)jb * lanes;
            // the rows in as few tiles as mrMax allows, as even as possible (32 rows: 6 6 5 5 5 5, not 6 6 6 6 6 2: a
            // two-row tile streams the whole panel for two rows); a tile of one row only when there is one row, so every
            // row sums in the same order (one chain per row) however the batch is cut: at most Batch/2 tiles, so no tile
            // of one row (3 rows: one tile of 3)
            int tiles = RowTiles(a.Batch, mrMax);
            for (int r = 0; r < a.Batch; tiles--)
            {
                int rows = (a.Batch - r + tiles - 1) / tiles;
                ref T h = ref Unsafe.Add(ref a.HPrev, (nint)r * up);
                ref T p = ref Unsafe.Add(ref a.Projection, (nint)r * a.ProjectionStride + 4 * col);
                ref T cp = ref Unsafe.Add(ref a.CPrev, (nint)r * up + col);
                ref T cn = ref Unsafe.Add(ref a.CNext, (nint)r * up + col);
                ref T hn = ref Unsafe.Add(ref a.HNext, (nint)r * up + col);
                switch (rows)
                {
                    case 1: One<T, TV, TS, TRec, TAct>(rec, act, u, ref h, ref b, ref p, ref cp, ref cn, ref hn); break;
                    case 2: Tile<T, TV, TS, TRec, TAct, C2>(rec, act, u, ref h, up, ref b, ref p, a.ProjectionStride, ref cp, ref cn, ref hn); break;
                    case 3: Tile<T, TV, TS, TRec, TAct, C3>(rec, act, u, ref h, up, ref b, ref p, a.ProjectionStride, ref cp, ref cn, ref hn); break;
                    case 4: Tile<T, TV, TS, TRec, TAct, C4>(rec, act, u, ref h, up, ref b, ref p, a.ProjectionStride, ref cp, ref cn, ref hn); break;
                    case 5: Tile<T, TV, TS, TRec, TAct, C5>(rec, act, u, ref h, up, ref b, ref p, a.ProjectionStride, ref cp, ref cn, ref hn); break;
                    default: Tile<T, TV, TS, TRec, TAct, C6>(rec, act, u, ref h, up, ref b, ref p, a.ProjectionStride, ref cp, ref cn, ref hn); break;
                }
                r += rows;
            }
        }
    }

    /// <summary>
    /// How many register tiles of at most <paramref name="mrMax"/> rows a step's <paramref name="batch"/> rows are cut into
    /// (each tile then takes the next (rows left)/(tiles left) rows, rounded up): as few as possible, but no tile of one
    /// row unless the batch is one row, so every row sums in one chain however the batch is cut.
    /// </summary>
    private static int RowTiles(int batch, int mrMax) => batch == 1 ? 1 : Math.Min((batch + mrMax - 1) / mrMax, batch / 2);

    /// <summary>Whether a step's sums go through the step tile (<see cref="StepTile"/>, <see cref="RecurrentPanels.SumsWholeStep"/>).</summary>
    internal static bool SumsWholeStep(int batch, int blocks, int lanes, int elementSize) =>
        RecurrentPanels.SumsWholeStep(batch, blocks, 4, lanes, elementSize);

    /// <summary>
    /// A step of two rows or more whose sums fit <see cref="RecurrentPanels.StepTileMaxBytes"/>: every block's sums into a step tile on
    /// the stack (row r, block i at z[r·blocks·4·L + i·4·L ..], tiles of rows as in <see cref="Blocks"/>, so each row sums
    /// as there), then the gate code of every row over all the step's blocks, one activation at a time (<see cref="RowGates"/>). Tile by tile,
    /// the gate code of a few rows ran between two sums and kept too few chains in flight (LSTM(128), one thread, Zen 3:
    /// 4 rows 822–832 against 759–772 µs for 100 steps, 16 rows 3318–3481 against 3017–3240).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // every row and block of the tile is written (parked) before it is read
    private static void StepTile<T, TV, TS, TRec, TAct>(TRec rec, TAct act, Args<T> a, int mrMax)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        int lanes = TS.Count, u = a.Units, up = a.PaddedUnits, blocks = a.End - a.First;
        nint w = lanes, panel = (nint)u * 4 * lanes, zrow = (nint)blocks * 4 * lanes;
        System.Diagnostics.Debug.Assert(SumsWholeStep(a.Batch, blocks, lanes, Unsafe.SizeOf<T>())); // Blocks checked it: the tile is at most 32 KiB
        Span<T> tile = stackalloc T[a.Batch * (int)zrow];
        ref T z = ref MemoryMarshal.GetReference(tile);
        int tiles = RowTiles(a.Batch, mrMax);
        for (int i = a.First; i < a.End; i++)
        {
            int jb = a.Reverse ? a.End - 1 - (i - a.First) : i;
            ref T b = ref Unsafe.Add(ref a.Recurrent, jb * panel);
            nint zb = (nint)(jb - a.First) * 4 * w;
            int left = tiles;
            for (int r = 0; r < a.Batch; left--)
            {
                int rows = (a.Batch - r + left - 1) / left;
                RecurrentPanels.Sums<T, TV, TS, C4>(rows, false, u, ref Unsafe.Add(ref a.HPrev, (nint)r * up), up, ref b, ref Unsafe.Add(ref z, r * zrow + zb), zrow);
                r += rows;
            }
        }
        // then the gate code, row by row over all the step's blocks (one activation at a time)
        for (int r = 0; r < a.Batch; r++)
            RowGates<T, TV, TS, TRec, TAct>(rec, act, ref Unsafe.Add(ref z, r * zrow), a.First, a.End, false, ref Unsafe.Add(ref a.Projection, (nint)r * a.ProjectionStride),
                ref Unsafe.Add(ref a.CPrev, (nint)r * up), ref Unsafe.Add(ref a.CNext, (nint)r * up), ref Unsafe.Add(ref a.HNext, (nint)r * up));
    }

    /// <summary>One row: k split in two so eight FMA chains are in flight.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void One<T, TV, TS, TRec, TAct>(TRec rec, TAct act, int k, ref T h, ref T b, ref T p, ref T cp, ref T cn, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        GemmMicroKernel.OneRow<T, TV, TS, C4>(k, ref h, ref b, 4 * TS.Count, out TV zi, out TV zf, out TV zc, out TV zo);
        Gates<T, TV, TS, TRec, TAct>(rec, act, zi, zf, zc, zo, ref p, ref cp, ref cn, ref hn);
    }

    /// <summary>
    /// One row of blocks [first, end) (visited last-to-first when <paramref name="reverse"/>) of a layer whose
    /// recurrent_kernel is in L1, in two phases: every block's four gate sums, parked in a stack tile
    /// (<see cref="RowSums"/>), then the gate code of every block (<see cref="RowGates"/>). The step is latency-bound
    /// written block after block (each block's gate code, chains of transcendental functions, waits behind its own
    /// sums, and the next block's sums behind it in the scheduler; two blocks at a time need 16 accumulators, which
    /// spill with 16 vector registers); this way the sums run back to back and the gate chains of all blocks overlap.
    /// Each phase is a method of its own, so that the JIT inlines everything in it. Each block sums exactly as in <see cref="One"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // the tile is written (parked) before it is read
    private static void Row<T, TV, TS, TRec, TAct>(TRec rec, TAct act, int k, ref T h, ref T recurrent, int first, int end, bool reverse,
        ref T projection, ref T cp, ref T cn, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        Unsafe.SkipInit(out RowBuffer<T> buffer);
        ref T z = ref Unsafe.As<RowBuffer<T>, T>(ref buffer);
        if ((end - first) * 4 * TS.Count * Unsafe.SizeOf<T>() > Unsafe.SizeOf<RowBuffer<T>>())
            throw new ArgumentException($"{end - first} blocks do not fit the row tile.");
        RowSums<T, TV, TS>(k, ref h, ref recurrent, first, end, reverse, ref z);
        RowGates<T, TV, TS, TRec, TAct>(rec, act, ref z, first, end, reverse, ref projection, ref cp, ref cn, ref hn);
    }

    /// <summary>The four gate sums of blocks [first, end) for one row (as <see cref="GemmMicroKernel.OneRow"/>), block i of the visit at z[4·L·i ..].</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RowSums<T, TV, TS>(int k, ref T h, ref T recurrent, int first, int end, bool reverse, ref T z)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        nint zs = 4 * TS.Count, panel = k * zs;
        for (int i = 0; i < end - first; i++)
        {
            int jb = reverse ? end - 1 - i : first + i;
            GemmMicroKernel.OneRow<T, TV, TS, C4>(k, ref h, ref Unsafe.Add(ref recurrent, jb * panel), zs, out TV zi, out TV zf, out TV zc, out TV zo);
            Park<T, TV, TS>(ref Unsafe.Add(ref z, i * zs), zi, zf, zc, zo);
        }
    }

    /// <summary>
    /// The gate code of blocks [first, end) for one row, from the sums <see cref="RowSums"/> parked: one activation at a
    /// time over all blocks (each written back over its sums), then c' and h' of every block, so that several blocks'
    /// chains are in flight at once (LSTM(32) b1, 100 steps, Zen 3, one process alternating: 24.0 against 25.0 µs block
    /// by block). Each lane sees the operations of <see cref="Gates"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RowGates<T, TV, TS, TRec, TAct>(TRec rec, TAct act, ref T z, int first, int end, bool reverse, ref T projection, ref T cp, ref T cn, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        nint w = TS.Count, zs = 4 * w;
        int count = end - first;
        ActivateGate<T, TV, TS, TRec>(rec, 0, ref z, first, end, reverse, ref projection);
        ActivateGate<T, TV, TS, TRec>(rec, 1, ref z, first, end, reverse, ref projection);
        ActivateGate<T, TV, TS, TAct>(act, 2, ref z, first, end, reverse, ref projection);
        ActivateGate<T, TV, TS, TRec>(rec, 3, ref z, first, end, reverse, ref projection);
        for (int i = 0; i < count; i++)
        {
            nint col = (reverse ? end - 1 - i : first + i) * w;
            ref T zb = ref Unsafe.Add(ref z, i * zs);
            TV c = TS.Add(TS.Mul(TS.Load(ref Unsafe.Add(ref zb, w)), TS.Load(ref Unsafe.Add(ref cp, col))), TS.Mul(TS.Load(ref zb), TS.Load(ref Unsafe.Add(ref zb, 2 * w))));
            TS.Store(c, ref Unsafe.Add(ref cn, col));
            TS.Store(TS.Mul(TS.Load(ref Unsafe.Add(ref zb, 3 * w)), act.Invoke<TV, TS>(c)), ref Unsafe.Add(ref hn, col));
        }
    }

    /// <summary>Gate <paramref name="gate"/> (0..3: i, f, c, o) of blocks [first, end) for one row: z = op(projection + z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateGate<T, TV, TS, TOp>(TOp op, int gate, ref T z, int first, int end, bool reverse, ref T projection)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TOp : struct, IUnaryOp<T>
    {
        nint w = TS.Count, zs = 4 * w;
        for (int i = 0; i < end - first; i++)
        {
            nint col = (reverse ? end - 1 - i : first + i) * w;
            ref T zg = ref Unsafe.Add(ref z, i * zs + gate * w);
            TS.Store(op.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref projection, 4 * col + gate * w)), TS.Load(ref zg))), ref zg);
        }
    }

    /// <summary>The four gate sums of every block of a one-row layer whose recurrent_kernel fits <see cref="PairMaximumRecurrentBytes"/>.</summary>
    [InlineArray(RowBufferBytes)]
    private struct RowBuffer<T> where T : unmanaged
    {
        private byte _element;
    }

    // a layer within PairMaximumRecurrentBytes has 4·u·PaddedUnits·size ≤ 32 KiB, so PaddedUnits ≤ 48 (float) or 32
    // (double): its sums, 4·PaddedUnits values, take at most 1 KiB at any width
    private const int RowBufferBytes = 8 * 4 * 32;

    /// <summary>The four gate sums h·U of two blocks (panels <paramref name="b"/> and <paramref name="b2"/>), each summed as <see cref="One"/> sums it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairProducts<T, TV, TS>(int k, ref T h, ref T b, ref T b2, out TV zi, out TV zf, out TV zc, out TV zo, out TV yi, out TV yf, out TV yc, out TV yo)
        where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        nint w = TS.Count, ldb = 4 * w;
        TV zero = TS.Splat(0.0);
        TV s0 = zero, s1 = zero, s2 = zero, s3 = zero, t0 = zero, t1 = zero, t2 = zero, t3 = zero;
        TV u0 = zero, u1 = zero, u2 = zero, u3 = zero, v0 = zero, v1 = zero, v2 = zero, v3 = zero;
        ref T bp = ref b;
        ref T bp2 = ref b2;
        nint q = 0;
        for (; q + 1 < k; q += 2)
        {
            TV av = TS.Splat(Unsafe.Add(ref h, q));
            TV aw = TS.Splat(Unsafe.Add(ref h, q + 1));
            ref T bq = ref Unsafe.Add(ref bp, ldb);
            ref T bq2 = ref Unsafe.Add(ref bp2, ldb);
            s0 = TS.MulAdd(av, TS.Load(ref bp), s0);
            s1 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, w)), s1);
            s2 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 2 * w)), s2);
            s3 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 3 * w)), s3);
            u0 = TS.MulAdd(av, TS.Load(ref bp2), u0);
            u1 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp2, w)), u1);
            u2 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp2, 2 * w)), u2);
            u3 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp2, 3 * w)), u3);
            t0 = TS.MulAdd(aw, TS.Load(ref bq), t0);
            t1 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq, w)), t1);
            t2 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq, 2 * w)), t2);
            t3 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq, 3 * w)), t3);
            v0 = TS.MulAdd(aw, TS.Load(ref bq2), v0);
            v1 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq2, w)), v1);
            v2 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq2, 2 * w)), v2);
            v3 = TS.MulAdd(aw, TS.Load(ref Unsafe.Add(ref bq2, 3 * w)), v3);
            bp = ref Unsafe.Add(ref bp, 2 * ldb);
            bp2 = ref Unsafe.Add(ref bp2, 2 * ldb);
        }
        if (q < k)
        {
            TV av = TS.Splat(Unsafe.Add(ref h, q));
            s0 = TS.MulAdd(av, TS.Load(ref bp), s0);
            s1 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, w)), s1);
            s2 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 2 * w)), s2);
            s3 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp, 3 * w)), s3);
            u0 = TS.MulAdd(av, TS.Load(ref bp2), u0);
            u1 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp2, w)), u1);
            u2 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp2, 2 * w)), u2);
            u3 = TS.MulAdd(av, TS.Load(ref Unsafe.Add(ref bp2, 3 * w)), u3);
        }
        zi = TS.Add(s0, t0); zf = TS.Add(s1, t1); zc = TS.Add(s2, t2); zo = TS.Add(s3, t3);
        yi = TS.Add(u0, v0); yf = TS.Add(u1, v1); yc = TS.Add(u2, v2); yo = TS.Add(u3, v3);
    }

    /// <summary>
    /// The whole sequence of a one-row layer of exactly two blocks, one step after the other in one loop (each step both
    /// blocks' sums, <see cref="PairProducts"/>, then their gate code, <see cref="GatesPair"/>; h ping-ponging between <paramref name="hA"/> and <paramref name="hB"/>, c in place, the projection of time
    /// step t at t·<paramref name="stepStride"/>, h of step s copied to sequence[s·k ..] when <paramref name="hasSequence"/>). A step takes 500–600 cycles, and a call per step through
    /// <see cref="Blocks"/> left the next step's independent work (projection address, loop control, argument set-up)
    /// behind the call and return: LSTM(32) b1, 100 steps, 16.8 → 13.9 µs. Each block sums as <see cref="One"/> sums it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PairSequence<T, TV, TS, TRec, TAct>(TRec rec, TAct act, int k, int time, bool goBackwards, ref T hA, ref T hB, ref T b, ref T projection,
        nint stepStride, ref T c, IStepGate? stepGate, ref T sequence, bool hasSequence)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        nint w = TS.Count, ldb = 4 * w;
        nint panel = k * ldb;
        ref T h = ref hA;
        ref T hn = ref hB;
        for (int s = 0; s < time; s++)
        {
            int t = goBackwards ? time - 1 - s : s;
            stepGate?.WaitForStep(s);
            ref T p = ref Unsafe.Add(ref projection, t * stepStride);
            PairProducts<T, TV, TS>(k, ref h, ref b, ref Unsafe.Add(ref b, panel), out TV zi, out TV zf, out TV zc, out TV zo, out TV yi, out TV yf, out TV yc, out TV yo);
            GatesPair<T, TV, TS, TRec, TAct>(rec, act, zi, zf, zc, zo, yi, yf, yc, yo, ref p, 4 * w, ref c, ref c, ref hn, w);
            if (hasSequence)
                MemoryMarshal.CreateReadOnlySpan(ref hn, k).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref sequence, (nint)s * k), k));
            ref T swap = ref h;
            h = ref hn;
            hn = ref swap;
        }
    }

    /// <summary>
    /// The whole sequence of blocks [first, end) of a one-row layer whose recurrent_kernel is in L1, one <see cref="Row"/>
    /// step after the other in one loop (buffers as in <see cref="PairSequence"/>; h of step s, units of these blocks,
    /// copied to sequence[s·k ..]). Same sums as <see cref="Row"/> called step by step from <see cref="Blocks"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RowSequence<T, TV, TS, TRec, TAct>(TRec rec, TAct act, int k, int time, bool goBackwards, int first, int end, ref T hA, ref T hB,
        ref T recurrent, ref T projection, nint stepStride, ref T c, IStepGate? stepGate, ref T sequence, bool hasSequence)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        nint w = TS.Count;
        int j0 = first * (int)w, j1 = Math.Min(end * (int)w, k);
        ref T h = ref hA;
        ref T hn = ref hB;
        for (int s = 0; s < time; s++)
        {
            int t = goBackwards ? time - 1 - s : s;
            stepGate?.WaitForStep(s);
            Row<T, TV, TS, TRec, TAct>(rec, act, k, ref h, ref recurrent, first, end, false, ref Unsafe.Add(ref projection, t * stepStride), ref c, ref c, ref hn);
            if (hasSequence && j1 > j0)
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref hn, j0), j1 - j0).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref sequence, (nint)s * k + j0), j1 - j0));
            ref T swap = ref h;
            h = ref hn;
            hn = ref swap;
        }
    }

    /// <summary>
    /// <see cref="Gates"/> for two blocks (the second one's projection, c and h at offsets <paramref name="dp"/> and
    /// <paramref name="d"/>) with each activation applied to both at once (<see cref="PairedActivation"/>): the two
    /// blocks' dependency chains are interleaved in program order, so both stay in flight (written one block after the
    /// other, the first block's chains fill the scheduler and the second's wait behind them: LSTM(32), one row, 100
    /// steps, 17.9 → 16.3 µs). Each lane sees the same operations as in <see cref="Gates"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatesPair<T, TV, TS, TRec, TAct>(TRec rec, TAct act, TV zi, TV zf, TV zc, TV zo, TV yi, TV yf, TV yc, TV yo,
        ref T p, nint dp, ref T cp, ref T cn, ref T hn, nint d)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        nint w = TS.Count;
        ref T p2 = ref Unsafe.Add(ref p, dp);
        TV i = TS.Add(TS.Load(ref p), zi), i2 = TS.Add(TS.Load(ref p2), yi);
        PairedActivation.Invoke<T, TV, TS, TRec>(rec, ref i, ref i2);
        TV f = TS.Add(TS.Load(ref Unsafe.Add(ref p, w)), zf), f2 = TS.Add(TS.Load(ref Unsafe.Add(ref p2, w)), yf);
        PairedActivation.Invoke<T, TV, TS, TRec>(rec, ref f, ref f2);
        TV g = TS.Add(TS.Load(ref Unsafe.Add(ref p, 2 * w)), zc), g2 = TS.Add(TS.Load(ref Unsafe.Add(ref p2, 2 * w)), yc);
        PairedActivation.Invoke<T, TV, TS, TAct>(act, ref g, ref g2);
        TV o = TS.Add(TS.Load(ref Unsafe.Add(ref p, 3 * w)), zo), o2 = TS.Add(TS.Load(ref Unsafe.Add(ref p2, 3 * w)), yo);
        PairedActivation.Invoke<T, TV, TS, TRec>(rec, ref o, ref o2);
        TV c = TS.Add(TS.Mul(f, TS.Load(ref cp)), TS.Mul(i, g));
        TV c2 = TS.Add(TS.Mul(f2, TS.Load(ref Unsafe.Add(ref cp, d))), TS.Mul(i2, g2));
        TS.Store(c, ref cn);
        TS.Store(c2, ref Unsafe.Add(ref cn, d));
        PairedActivation.Invoke<T, TV, TS, TAct>(act, ref c, ref c2);
        TS.Store(TS.Mul(o, c), ref hn);
        TS.Store(TS.Mul(o2, c2), ref Unsafe.Add(ref hn, d));
    }

    /// <summary>MR rows (2..6) × the four gate vectors of one block.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // the tile's rows are written (parked) before they are read
    private static void Tile<T, TV, TS, TRec, TAct, TMr>(TRec rec, TAct act, int k, ref T h, nint ldh, ref T b, ref T p, nint ldp, ref T cp, ref T cn, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
        where TMr : struct, IConst
    {
        // the sums go through a small stack tile: the accumulation loop keeps its 4·MR accumulators in registers
        // (sharing a method with the gate code makes the allocator spill them every iteration), and the gate code
        // (several transcendental functions) exists once
        Unsafe.SkipInit(out RecurrentTile buffer);
        ref T z = ref Unsafe.As<RecurrentTile, T>(ref buffer);
        nint w = TS.Count, zs = 4 * w;
        RecurrentPanels.Rows<T, TV, TS, C4, TMr>(k, ref h, ldh, ref b, ref z, zs);
        for (int r = 0; r < TMr.Value; r++)
        {
            ref T zr = ref Unsafe.Add(ref z, r * zs);
            Gates<T, TV, TS, TRec, TAct>(rec, act, TS.Load(ref zr), TS.Load(ref Unsafe.Add(ref zr, w)), TS.Load(ref Unsafe.Add(ref zr, 2 * w)),
                TS.Load(ref Unsafe.Add(ref zr, 3 * w)), ref Unsafe.Add(ref p, r * ldp), ref Unsafe.Add(ref cp, r * ldh), ref Unsafe.Add(ref cn, r * ldh), ref Unsafe.Add(ref hn, r * ldh));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Park<T, TV, TS>(ref T z, TV a, TV b, TV c, TV d) where T : unmanaged where TV : struct where TS : ISimdOps<TV, T>
    {
        nint w = TS.Count;
        TS.Store(a, ref z);
        TS.Store(b, ref Unsafe.Add(ref z, w));
        TS.Store(c, ref Unsafe.Add(ref z, 2 * w));
        TS.Store(d, ref Unsafe.Add(ref z, 3 * w));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gates<T, TV, TS, TRec, TAct>(TRec rec, TAct act, TV zi, TV zf, TV zc, TV zo, ref T p, ref T cp, ref T cn, ref T hn)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimdOps<TV, T> where TRec : struct, IUnaryOp<T> where TAct : struct, IUnaryOp<T>
    {
        nint w = TS.Count;
        TV i = rec.Invoke<TV, TS>(TS.Add(TS.Load(ref p), zi));
        TV f = rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref p, w)), zf));
        TV g = act.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref p, 2 * w)), zc));
        TV o = rec.Invoke<TV, TS>(TS.Add(TS.Load(ref Unsafe.Add(ref p, 3 * w)), zo));
        TV c = TS.Add(TS.Mul(f, TS.Load(ref cp)), TS.Mul(i, g));
        TS.Store(c, ref cn);
        TS.Store(TS.Mul(o, act.Invoke<TV, TS>(c)), ref hn);
    }
}
