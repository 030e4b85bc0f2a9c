using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// C = act(A·B + bias) for a dense layer over m rows, split over two threads (<see cref="PairWorker"/>) when the
/// product is large enough: by rows when there are enough of them, else (a batch-1 GEMV whose kernel fills the caches)
/// by column panels, so that each core streams half of the weights and keeps them in its own L2 across calls. A row
/// split cuts the rows into chunks (<see cref="RowChunks"/>) that start on multiples of <see cref="GemmLayout.MR"/> and
/// keep more than MR rows each, so every row goes through the same micro-kernel and k-blocking as in the serial product;
/// columns never meet. Results are
/// bit-identical to <see cref="Gemm.Multiply{T}(int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, ReadOnlySpan{T}, bool)"/>
/// followed by <see cref="ActivationFunctions.Apply{T}(in Activation, Span{T}, int)"/>. Each calling thread reuses its
/// own job object (no allocation after the first call); a caller that finds the worker busy runs both halves itself.
/// </summary>
internal static unsafe class ParallelGemm
{
    /// <summary>Multiply-adds (m·k·n) below which the product stays on the calling thread.</summary>
    internal static long MinimumWork = 500_000;

    /// <summary>Bytes of a packed kernel at or above which a product with too few rows to split is split by column panels.</summary>
    internal static long ColumnSplitMinimumBytes = 256 * 1024;

    /// <summary>C (m × B.Columns, contiguous) = act(A (m × B.Rows, contiguous)·B + bias).</summary>
    public static void MultiplyActivate<T>(int m, ReadOnlySpan<T> a, PackedMatrix<T> b, Span<T> c, ReadOnlySpan<T> bias, in Activation activation)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyActivate(m, a, b, c, bias, activation, MinimumWork);

    /// <summary>
    /// As above with an explicit threshold (tests force the two-thread path with 0); <paramref name="execute"/> (tests)
    /// runs the job's parts in place of <see cref="PairWorker.Run"/>.
    /// </summary>
    internal static void MultiplyActivate<T>(int m, ReadOnlySpan<T> a, PackedMatrix<T> b, Span<T> c, ReadOnlySpan<T> bias, in Activation activation, long minimumWork,
        Action<IPairJob>? execute = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        int k = b.Rows, n = b.Columns;
        bool byRows = SplitsByRows(m, b, minimumWork);
        bool byColumns = !byRows && SplitsByColumns(m, b, activation, minimumWork);
        if (!PairWorker.Available || n == 0 || !(byRows || byColumns))
        {
            Serial(m, a, b, c, bias, activation);
            return;
        }
        GemmChecks.Validate(m, n, k, a.Length, k, b.Data.Length, n, c.Length, n, bias.Length, packed: true);
        var job = Job<T>.Current ??= new Job<T>();
        fixed (T* pa = a, pc = c, pbias = bias)
        {
            job.M = m;
            job.ByColumns = !byRows;
            job.A = pa;
            job.C = pc;
            job.Bias = pbias;
            job.BiasLength = bias.Length;
            job.B = b;
            job.Activation = activation;
            job.Prepare();
            try
            {
                if (execute is null) PairWorker.Run(job, out _);
                else execute(job);
            }
            finally
            {
                job.B = null;
                job.A = job.C = job.Bias = null;
            }
        }
    }

    private static bool SplitsByRows<T>(int m, PackedMatrix<T> b, long minimumWork) where T : unmanaged, IFloatingPointIeee754<T> =>
        m >= 4 * GemmLayout.MR && (long)m * b.Rows * b.Columns >= minimumWork;

    // each half's columns must hold a whole vector, so the activation runs on the same (vector) code as serially
    private static bool SplitsByColumns<T>(int m, PackedMatrix<T> b, in Activation activation, long minimumWork) where T : unmanaged, IFloatingPointIeee754<T> =>
        m > 0 && b.Panels >= 2 && activation.IsElementwise
        && b.Columns - b.Panels / 2 * b.PanelWidth >= Math.Max(1, b.PanelWidth / 2)
        && (long)b.Rows * b.Columns * Unsafe.SizeOf<T>() >= (minimumWork == 0 ? 0 : ColumnSplitMinimumBytes);

    /// <summary>
    /// Two dense layers in a row, C1 = act1(A·B1 + bias1) then C2 = act2(C1·B2 + bias2), as one two-thread job when both
    /// would be split by column panels (a batch-1 GEMV of each): each core computes its panels of the first, the two meet
    /// once, and each computes its panels of the second, instead of handing over and back twice (W6 b1, Dense 256 → 512 →
    /// 512: 11.42 → 11.13 and 14.96 → 13.77 µs in a probe). The same bits as two <see cref="MultiplyActivate{T}(int, ReadOnlySpan{T}, PackedMatrix{T}, Span{T}, ReadOnlySpan{T}, in Activation)"/>
    /// calls. False (nothing computed) when either layer would not be split by columns.
    /// </summary>
    internal static bool TryMultiplyActivateChain<T>(int m, ReadOnlySpan<T> a, PackedMatrix<T> b1, Span<T> c1, ReadOnlySpan<T> bias1, in Activation activation1,
        PackedMatrix<T> b2, Span<T> c2, ReadOnlySpan<T> bias2, in Activation activation2, long minimumWork = -1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b1);
        ArgumentNullException.ThrowIfNull(b2);
        if (minimumWork < 0) minimumWork = MinimumWork;
        if (!PairWorker.Available || b1.Columns != b2.Rows || b1.Columns == 0 || b2.Columns == 0
            || SplitsByRows(m, b1, minimumWork) || !SplitsByColumns(m, b1, activation1, minimumWork)
            || SplitsByRows(m, b2, minimumWork) || !SplitsByColumns(m, b2, activation2, minimumWork))
            return false;
        GemmChecks.Validate(m, b1.Columns, b1.Rows, a.Length, b1.Rows, b1.Data.Length, b1.Columns, c1.Length, b1.Columns, bias1.Length, packed: true);
        GemmChecks.Validate(m, b2.Columns, b2.Rows, c1.Length, b2.Rows, b2.Data.Length, b2.Columns, c2.Length, b2.Columns, bias2.Length, packed: true);
        var job = ChainJob<T>.Current ??= new ChainJob<T>();
        fixed (T* pa = a, pc1 = c1, pb1 = bias1, pc2 = c2, pb2 = bias2)
        {
            job.M = m;
            job.A = pa;
            job.First = new Layer<T>(b1, pc1, pb1, bias1.Length, activation1);
            job.Second = new Layer<T>(b2, pc2, pb2, bias2.Length, activation2);
            job.Generation++;
            try
            {
                PairWorker.Run(job, out _);
            }
            finally
            {
                job.First = job.Second = default;
                job.A = null;
            }
        }
        return true;
    }

    /// <summary>Chain calls on this thread in which the caller found the worker's part untaken and did it (tests).</summary>
    internal static int ChainWithdrawals<T>() where T : unmanaged, IFloatingPointIeee754<T> => ChainJob<T>.Current?.WithdrawnCount ?? 0;

    /// <summary>One dense layer of a chain: its packed kernel, output, bias and activation.</summary>
    private readonly struct Layer<T>(PackedMatrix<T> b, T* c, T* bias, int biasLength, Activation activation) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly PackedMatrix<T> B = b;
        public readonly T* C = c, Bias = bias;
        public readonly int BiasLength = biasLength;
        public readonly Activation Activation = activation;

        /// <summary>C's column panels of half <paramref name="part"/> (0: the first Panels/2, 1: the rest, −1: all) = act(A·B + bias).</summary>
        public void Half(int m, T* a, int part)
        {
            int k = B.Rows, n = B.Columns, half = B.Panels / 2;
            int firstPanel = part == 1 ? half : 0, endPanel = part == 0 ? half : B.Panels;
            var all = new Span<T>(C, m * n);
            Gemm.MultiplyPanels(m, new ReadOnlySpan<T>(a, m * k), k, B, firstPanel, endPanel, all, n, new ReadOnlySpan<T>(Bias, BiasLength));
            if (Activation.Kind == ActivationKind.Linear) return;
            int j0 = firstPanel * B.PanelWidth, width = Math.Min(endPanel * B.PanelWidth, n) - j0;
            for (int r = 0; r < m && width > 0; r++) ActivationFunctions.Apply(Activation, all.Slice(r * n + j0, width));
        }
    }

    // the two parts' flags of a chain job on cache lines of their own (a non-generic type: explicit layout)
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 192)]
    private struct ChainFlags
    {
        [System.Runtime.InteropServices.FieldOffset(64)] public int Part0; // the generation whose first-layer half 0 is done
        [System.Runtime.InteropServices.FieldOffset(128)] public int Part1; // the same for half 1
    }

    /// <summary>
    /// Part p computes its half of the first layer, waits for the other half (the second layer reads all of C1), then
    /// computes its half of the second. The caller, waiting, withdraws the worker's part if the worker has not taken it
    /// yet (<see cref="PairWorker.TryWithdraw"/>) and computes it itself, so it never waits for a worker that has not started.
    /// </summary>
    private sealed class ChainJob<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static ChainJob<T>? Current;

        public int M;
        public T* A;
        public Layer<T> First, Second;
        public int Generation;
        private ChainFlags _flags;

        /// <summary>Calls in which the caller found the worker's part untaken at the meeting point and did it (tests).</summary>
        internal int WithdrawnCount;

        public void Run(int part)
        {
            switch (part)
            {
                case < 0:
                    First.Half(M, A, 0);
                    First.Half(M, A, 1);
                    Second.Half(M, First.C, 0);
                    Second.Half(M, First.C, 1);
                    return;
                case 0:
                    First.Half(M, A, 0);
                    Volatile.Write(ref _flags.Part0, Generation);
                    if (PairWorker.TryWithdraw())
                    {
                        // the worker had not started (it fails only once the worker has its part): the caller does it all
                        WithdrawnCount++;
                        First.Half(M, A, 1);
                        Second.Half(M, First.C, 0);
                        Second.Half(M, First.C, 1);
                        return;
                    }
                    var wait = new CpuPause.Poller();
                    while (Volatile.Read(ref _flags.Part1) != Generation) wait.Once();
                    Second.Half(M, First.C, 0);
                    return;
                default:
                    First.Half(M, A, 1);
                    Volatile.Write(ref _flags.Part1, Generation);
                    var poll = new CpuPause.Poller();
                    while (Volatile.Read(ref _flags.Part0) != Generation) poll.Once();
                    Second.Half(M, First.C, 1);
                    return;
            }
        }
    }

    private static void Serial<T>(int m, ReadOnlySpan<T> a, PackedMatrix<T> b, Span<T> c, ReadOnlySpan<T> bias, in Activation activation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = b.Columns;
        Gemm.Multiply(m, a, b.Rows, b, c, n, bias);
        if (activation.Kind != ActivationKind.Linear && m > 0) ActivationFunctions.Apply(activation, c[..(m * n)], n);
    }

    /// <summary>Rows per chunk of a row split from which it is cut into more than two chunks (<see cref="RowChunks"/>).</summary>
    internal const int ChunkRows = 8 * GemmLayout.MR;

    /// <summary>
    /// Chunks a row split of <paramref name="m"/> rows is cut into, claimed one at a time by the two threads: two below
    /// 4 · <see cref="ChunkRows"/> rows, else an even number (at most 8) of ChunkRows rows or more, so that a worker that
    /// takes the job late (a vCPU the host has not run for milliseconds) still takes the chunks left, where with two
    /// halves the caller would run both. Chunks start on multiples of MR and hold more than MR rows, so every row has the
    /// serial product's tiles and k-blocking.
    /// </summary>
    internal static int RowChunks(int m) => m < 4 * ChunkRows ? 2 : Math.Min(8, m / (2 * ChunkRows) * 2);

    /// <summary>First row of chunk <paramref name="i"/> of <paramref name="chunks"/> (chunk <paramref name="chunks"/>: m), rounded up to a multiple of MR.</summary>
    internal static int RowChunkStart(int i, int chunks, int m)
    {
        if (i >= chunks) return m;
        int mr = GemmLayout.MR;
        return (int)(((long)i * m / chunks + mr - 1) / mr * mr);
    }

    private sealed class Job<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static Job<T>? Current;

        public int M, BiasLength;
        public bool ByColumns;
        public T* A, C, Bias;
        public PackedMatrix<T>? B;
        public Activation Activation;
        private int _chunks, _nextChunk; // a row split's chunks, and the next one to claim

        /// <summary>Resets the chunks of a row split (before the parts run).</summary>
        public void Prepare()
        {
            _chunks = ByColumns ? 0 : RowChunks(M);
            _nextChunk = 0;
        }

        public void Run(int part)
        {
            var b = B!;
            if (ByColumns)
            {
                new Layer<T>(b, C, Bias, BiasLength, Activation).Half(M, A, part);
                return;
            }
            if (part < 0)
            {
                Rows(0, M);
                return;
            }
            // either part claims chunks until none is left (the worker's part taken late finds fewer, or none)
            while (PairWorker.TryClaim(ref _nextChunk, _chunks, out int i))
            {
                int first = RowChunkStart(i, _chunks, M);
                Rows(first, RowChunkStart(i + 1, _chunks, M) - first);
            }
        }

        private void Rows(int first, int count)
        {
            var b = B!;
            int k = b.Rows, n = b.Columns;
            var a = new ReadOnlySpan<T>(A + (long)first * k, count * k);
            var c = new Span<T>(C + (long)first * n, count * n);
            Serial(count, a, b, c, new ReadOnlySpan<T>(Bias, BiasLength), Activation);
        }
    }
}
