using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasPort.Compute.Kernels;

/// <summary>
/// C = act(A·B + bias) for a dense layer over m rows, split over two threads (<see cref="PairWorker"/>) when the
/// product is large enough: by rows when there are enough of them, else (a batch-1 GEMV whose kernel fills the caches)
/// by column panels, so that each core streams half of the weights and keeps them in its own L2 across calls. A row
/// split point is a multiple of <see cref="GemmLayout.MR"/> and each half keeps more than MR rows, so every row goes
/// through the same micro-kernel and k-blocking as in the serial product; columns never meet. Results are
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

    /// <summary>As above with an explicit threshold (tests force the two-thread path with 0).</summary>
    internal static void MultiplyActivate<T>(int m, ReadOnlySpan<T> a, PackedMatrix<T> b, Span<T> c, ReadOnlySpan<T> bias, in Activation activation, long minimumWork)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        int k = b.Rows, n = b.Columns;
        bool byRows = m >= 4 * GemmLayout.MR && (long)m * k * n >= minimumWork;
        // each half's columns must hold a whole vector, so the activation runs on the same (vector) code as serially
        bool byColumns = !byRows && m > 0 && b.Panels >= 2 && activation.IsElementwise
            && n - b.Panels / 2 * b.PanelWidth >= Math.Max(1, b.PanelWidth / 2)
            && (long)k * n * Unsafe.SizeOf<T>() >= (minimumWork == 0 ? 0 : ColumnSplitMinimumBytes);
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
            try
            {
                PairWorker.Run(job, out _);
            }
            finally
            {
                job.B = null;
                job.A = job.C = job.Bias = null;
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

    private sealed class Job<T> : IPairJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static Job<T>? Current;

        public int M, BiasLength;
        public bool ByColumns;
        public T* A, C, Bias;
        public PackedMatrix<T>? B;
        public Activation Activation;

        public void Run(int part)
        {
            var b = B!;
            int k = b.Rows, n = b.Columns;
            if (ByColumns)
            {
                int half = b.Panels / 2;
                int firstPanel = part == 1 ? half : 0, endPanel = part == 0 ? half : b.Panels;
                var all = new Span<T>(C, M * n);
                Gemm.MultiplyPanels(M, new ReadOnlySpan<T>(A, M * k), k, b, firstPanel, endPanel, all, n, new ReadOnlySpan<T>(Bias, BiasLength));
                if (Activation.Kind == ActivationKind.Linear) return;
                int j0 = firstPanel * b.PanelWidth, width = Math.Min(endPanel * b.PanelWidth, n) - j0;
                for (int r = 0; r < M && width > 0; r++) ActivationFunctions.Apply(Activation, all.Slice(r * n + j0, width));
                return;
            }
            int mr = GemmLayout.MR;
            int split = (M / 2 + mr - 1) / mr * mr;
            int first = part == 1 ? split : 0;
            int count = part switch { 0 => split, 1 => M - split, _ => M };
            var a = new ReadOnlySpan<T>(A + (long)first * k, count * k);
            var c = new Span<T>(C + (long)first * n, count * n);
            Serial(count, a, b, c, new ReadOnlySpan<T>(Bias, BiasLength), Activation);
        }
    }
}
