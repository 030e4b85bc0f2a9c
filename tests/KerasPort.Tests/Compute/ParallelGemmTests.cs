using System.Numerics;
using KerasPort.Compute;
using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// <see cref="ParallelGemm"/> (the two-core Dense product): forced onto the two-thread path (threshold 0) it must
/// match <see cref="GemmReference"/> + the reference activation within the GEMM bound of <see cref="GemmTests"/>, and
/// be bit-identical to the serial <see cref="Gemm"/> product + activation, also under many concurrent callers.
/// </summary>
[Trait("Category", "Kernels")]
public class ParallelGemmTests
{
    [Theory]
    [InlineData(24, 13, 17)]   // smallest m that splits (4·MR)
    [InlineData(25, 40, 65)]
    [InlineData(29, 7, 3)]
    [InlineData(37, 257, 33)]  // k over one k-block (KC = 256)
    [InlineData(61, 31, 129)]
    [InlineData(256, 64, 40)]
    [InlineData(5, 20, 20)]    // too few rows to split, one column panel: serial path
    [InlineData(1, 256, 512)]  // batch-1 GEMV: split by column panels
    [InlineData(1, 33, 100)]   // second half narrower than the first
    [InlineData(3, 65, 200)]
    [InlineData(5, 300, 129)]  // k over one k-block
    [InlineData(1, 9, 70)]     // second half too narrow for a whole vector: serial
    public void Matches_reference_and_serial_bit_for_bit(int m, int k, int n)
    {
        Case<float>(m, k, n, new Activation(ActivationKind.Relu), bias: true);
        Case<float>(m, k, n, Activation.Linear, bias: false);
        Case<double>(m, k, n, new Activation(ActivationKind.Relu), bias: true);
        Case<double>(m, k, n, Activation.Linear, bias: true);
    }

    /// <summary>
    /// A row split is cut into chunks the two threads claim one at a time (<see cref="ParallelGemm.RowChunks"/>): under
    /// every schedule (the worker never coming, busy, or starting after or before the caller) the result is the serial
    /// product's bit for bit, k over one k-block included; chunks start on multiples of MR and hold more than MR rows.
    /// </summary>
    [Theory]
    [InlineData(256, 300, 40, 4)]  // W6 b256's shape of rows: 66 66 60 64
    [InlineData(193, 20, 33, 4)]
    [InlineData(1000, 257, 17, 8)]
    [InlineData(100, 300, 20, 2)]
    public void Row_chunks_any_schedule_give_the_serial_product(int m, int k, int n, int chunks)
    {
        Assert.Equal(chunks, ParallelGemm.RowChunks(m));
        for (int i = 0; i < chunks; i++)
        {
            int first = ParallelGemm.RowChunkStart(i, chunks, m), end = ParallelGemm.RowChunkStart(i + 1, chunks, m);
            Assert.Equal(0, first % GemmLayout.MR);
            Assert.True(end - first > GemmLayout.MR, $"chunk {i}: rows [{first}, {end})");
        }
        var rng = new Random(m + k);
        float[] R(int len) => Enumerable.Range(0, len).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var a = R(m * k);
        var packed = PackedMatrix<float>.Pack(R(k * n), k, n);
        var bias = R(n);
        var act = new Activation(ActivationKind.Tanh);
        var serial = new float[m * n];
        Gemm.Multiply<float>(m, a, k, packed, serial, n, bias);
        ActivationFunctions.Apply(act, serial.AsSpan(), n);
        foreach (var schedule in KerasPort.Tests.Infrastructure.PairSchedules.All)
        {
            var parallel = new float[m * n];
            ParallelGemm.MultiplyActivate<float>(m, a, packed, parallel, bias, act, minimumWork: 0, execute: schedule);
            Assert.Equal(serial, parallel);
        }
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Gelu)]
    public void Column_split_applies_the_activation_as_the_serial_product(ActivationKind kind)
    {
        var rnd = new Random((int)kind);
        var act = new Activation(kind);
        foreach (int n in (ReadOnlySpan<int>)[100, 161, 512, 1000])
        {
            int m = 1 + n % 3, k = 37;
            float[] a = KernelAssert.Uniform<float>(rnd, m * k, -1, 1), w = KernelAssert.Uniform<float>(rnd, k * n, -1, 1);
            float[] bias = KernelAssert.Uniform<float>(rnd, n, -1, 1);
            var packed = PackedMatrix<float>.Pack(w, k, n);
            var serial = new float[m * n];
            Gemm.Multiply(m, a, k, packed, serial, n, bias);
            ActivationFunctions.Apply(act, serial.AsSpan(), n);
            var parallel = new float[m * n];
            ParallelGemm.MultiplyActivate(m, a, packed, parallel, bias, act, minimumWork: 0);
            Assert.Equal(serial, parallel);
        }
    }

    [Theory]
    [InlineData(1, 40, 300, 1, 3)]
    [InlineData(4, 300, 200, 0, 2)]
    [InlineData(2, 5, 129, 2, 3)]
    [InlineData(3, 8, 64, 1, 1)]   // empty range: C untouched
    public void Panel_ranges_write_exactly_their_columns(int m, int k, int n, int firstPanel, int endPanel)
    {
        var rnd = new Random(m + k + n);
        float[] a = KernelAssert.Uniform<float>(rnd, m * k, -1, 1), w = KernelAssert.Uniform<float>(rnd, k * n, -1, 1);
        float[] bias = KernelAssert.Uniform<float>(rnd, n, -1, 1);
        var packed = PackedMatrix<float>.Pack(w, k, n);
        int nr = packed.PanelWidth;
        firstPanel = Math.Min(firstPanel, packed.Panels);
        endPanel = Math.Min(endPanel, packed.Panels);
        var expected = new float[m * n];
        GemmReference.Multiply<float>(m, n, k, a, k, w, n, expected, n, bias);
        var c = new float[m * n];
        Array.Fill(c, -7777f);
        Gemm.MultiplyPanels(m, a, k, packed, firstPanel, endPanel, c, n, bias);
        int j0 = firstPanel * nr, j1 = Math.Min(endPanel * nr, n);
        double u = KernelAssert.U<float>();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                string where = $"m={m} k={k} n={n} panels [{firstPanel}, {endPanel}) C[{i},{j}]";
                if (j < j0 || j >= j1)
                {
                    Assert.Equal(-7777f, c[i * n + j]);
                    continue;
                }
                double s = Math.Abs(bias[j]);
                for (int p = 0; p < k; p++) s += Math.Abs((double)a[i * k + p] * w[p * n + j]);
                KernelAssert.Within(c[i * n + j], expected[i * n + j], 2 * (k + 3) * u * s, where);
            }
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyPanels(m, a, k, packed, 0, packed.Panels + 1, c, n, bias));
    }

    /// <summary>
    /// Two column-split layers as one job (<see cref="ParallelGemm.TryMultiplyActivateChain{T}"/>): the same bits as the
    /// two serial products and activations, for both layers' outputs; refused (nothing written) when a layer would not be
    /// split by columns.
    /// </summary>
    [Theory]
    [InlineData(1, 256, 512, 512, ActivationKind.Relu, ActivationKind.Relu)] // W6's first two layers
    [InlineData(2, 33, 130, 100, ActivationKind.Tanh, ActivationKind.Linear)]
    [InlineData(5, 300, 129, 257, ActivationKind.Sigmoid, ActivationKind.Relu)] // k over one k-block
    public void Chain_gives_the_serial_products_bit_for_bit(int m, int k, int n1, int n2, ActivationKind act1, ActivationKind act2)
    {
        ChainCase<float>(m, k, n1, n2, act1, act2);
        ChainCase<double>(m, k, n1, n2, act1, act2);
    }

    private static void ChainCase<T>(int m, int k, int n1, int n2, ActivationKind act1, ActivationKind act2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(m * 1000 + k + n1 + n2);
        T[] a = KernelAssert.Uniform<T>(rnd, m * k, -1, 1);
        T[] w1 = KernelAssert.Uniform<T>(rnd, k * n1, -0.2, 0.2), bias1 = KernelAssert.Uniform<T>(rnd, n1, -1, 1);
        T[] w2 = KernelAssert.Uniform<T>(rnd, n1 * n2, -0.2, 0.2), bias2 = KernelAssert.Uniform<T>(rnd, n2, -1, 1);
        var p1 = PackedMatrix<T>.Pack(w1, k, n1);
        var p2 = PackedMatrix<T>.Pack(w2, n1, n2);
        Activation f1 = new(act1), f2 = new(act2);
        var (serial1, serial2) = SerialChain(m, a, p1, bias1, f1, p2, bias2, f2);
        var c1 = new T[m * n1];
        var c2 = new T[m * n2];
        // twice: a first call may find the worker asleep and do its part (see the test below); the second, right after
        // it, finds the worker polling for work and meets it halfway
        for (int call = 0; call < 2; call++)
        {
            Array.Clear(c1);
            Array.Clear(c2);
            bool chained = ParallelGemm.TryMultiplyActivateChain(m, a, p1, c1, bias1, f1, p2, c2, bias2, f2, minimumWork: 0);
            Assert.Equal(PairWorker.Available, chained);
            if (!chained) return;
            Assert.Equal(serial1, c1);
            Assert.Equal(serial2, c2);
        }

        // a second layer of one panel is not split by columns: refused, nothing written
        var narrow = PackedMatrix<T>.Pack(w2.AsSpan(0, n1 * 3).ToArray(), n1, 3);
        var untouched = new T[m * 3];
        Array.Clear(c1);
        Assert.False(ParallelGemm.TryMultiplyActivateChain(m, a, p1, c1, bias1, f1, narrow, untouched, bias2.AsSpan(0, 3), f2, minimumWork: 0));
        Assert.All(c1, v => Assert.Equal(T.Zero, v));
    }

    /// <summary>The two layers one after the other on this thread: the serial GEMM and the activation of each.</summary>
    private static (T[] c1, T[] c2) SerialChain<T>(int m, T[] a, PackedMatrix<T> p1, T[] bias1, Activation f1, PackedMatrix<T> p2, T[] bias2, Activation f2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n1 = p1.Columns, n2 = p2.Columns;
        var c1 = new T[m * n1];
        var c2 = new T[m * n2];
        Gemm.Multiply(m, a, p1.Rows, p1, c1, n1, bias1);
        if (f1.Kind != ActivationKind.Linear) ActivationFunctions.Apply(f1, c1.AsSpan(), n1);
        Gemm.Multiply(m, c1, n1, p2, c2, n2, bias2);
        if (f2.Kind != ActivationKind.Linear) ActivationFunctions.Apply(f2, c2.AsSpan(), n2);
        return (c1, c2);
    }

    /// <summary>
    /// The chain's caller reaching the meeting point before the worker has taken its part (the worker asleep and a first
    /// layer of a few hundred multiply-adds) does that part itself: the same bits, and the withdrawal is seen.
    /// </summary>
    [Fact]
    public void Chain_caller_does_an_untaken_part_itself()
    {
        if (!PairWorker.Available) return;
        var rnd = new Random(11);
        int m = 1, k = 4, n1 = 130, n2 = 140;
        float[] a = KernelAssert.Uniform<float>(rnd, m * k, -1, 1);
        float[] w1 = KernelAssert.Uniform<float>(rnd, k * n1, -1, 1), w2 = KernelAssert.Uniform<float>(rnd, n1 * n2, -0.2, 0.2);
        float[] bias1 = KernelAssert.Uniform<float>(rnd, n1, -1, 1), bias2 = KernelAssert.Uniform<float>(rnd, n2, -1, 1);
        var p1 = PackedMatrix<float>.Pack(w1, k, n1);
        var p2 = PackedMatrix<float>.Pack(w2, n1, n2);
        var relu = new Activation(ActivationKind.Relu);
        var (serial1, serial2) = SerialChain(m, a, p1, bias1, relu, p2, bias2, relu);
        int before = ParallelGemm.ChainWithdrawals<float>();
        for (int attempt = 0; attempt < 200 && ParallelGemm.ChainWithdrawals<float>() == before; attempt++)
        {
            Thread.Sleep(2); // the worker blocks after PairWorker.SpinMicroseconds without work
            var c1 = new float[n1];
            var c2 = new float[n2];
            Assert.True(ParallelGemm.TryMultiplyActivateChain(m, a, p1, c1, bias1, relu, p2, c2, bias2, relu, minimumWork: 0));
            Assert.Equal(serial1, c1);
            Assert.Equal(serial2, c2);
        }
        Assert.True(ParallelGemm.ChainWithdrawals<float>() > before, "the caller never found the worker's part untaken");
    }

    [Fact]
    public void Softmax_is_applied_per_row_in_each_half()
    {
        var rnd = new Random(5);
        int m = 31, k = 9, n = 11;
        float[] a = KernelAssert.Uniform<float>(rnd, m * k, -1, 1), w = KernelAssert.Uniform<float>(rnd, k * n, -1, 1);
        var packed = PackedMatrix<float>.Pack(w, k, n);
        var act = new Activation(ActivationKind.Softmax);
        var serial = new float[m * n];
        Gemm.Multiply(m, a, k, packed, serial, n);
        ActivationFunctions.Apply(act, serial.AsSpan(), n);
        var parallel = new float[m * n];
        ParallelGemm.MultiplyActivate(m, a, packed, parallel, default, act, minimumWork: 0);
        Assert.Equal(serial, parallel);
        for (int i = 0; i < m; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += parallel[i * n + j];
            Assert.InRange(sum, 1 - 1e-5, 1 + 1e-5);
        }
    }

    [Fact]
    public void Concurrent_callers_get_the_serial_result()
    {
        var rnd = new Random(9);
        int m = 53, k = 70, n = 45;
        float[] w = KernelAssert.Uniform<float>(rnd, k * n, -1, 1), bias = KernelAssert.Uniform<float>(rnd, n, -1, 1);
        var packed = PackedMatrix<float>.Pack(w, k, n);
        var act = new Activation(ActivationKind.Relu);
        const int callers = 8;
        var inputs = new float[callers][];
        var expected = new float[callers][];
        for (int t = 0; t < callers; t++)
        {
            inputs[t] = KernelAssert.Uniform<float>(rnd, m * k, -1, 1);
            expected[t] = new float[m * n];
            Gemm.Multiply(m, inputs[t], k, packed, expected[t], n, bias);
            ActivationFunctions.Apply(act, expected[t].AsSpan(), n);
        }
        var failures = new int[callers];
        var threads = new Thread[callers];
        for (int t = 0; t < callers; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                var y = new float[m * n];
                for (int it = 0; it < 200; it++)
                {
                    Array.Fill(y, float.NaN);
                    ParallelGemm.MultiplyActivate(m, inputs[id], packed, y, bias, act, minimumWork: 0);
                    if (!y.AsSpan().SequenceEqual(expected[id])) failures[id]++;
                }
            });
            threads[t].Start();
        }
        foreach (var th in threads) th.Join();
        Assert.All(failures, f => Assert.Equal(0, f));
    }

    private static void Case<T>(int m, int k, int n, Activation act, bool bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(m * 1000 + k * 10 + n);
        T[] a = KernelAssert.Uniform<T>(rnd, m * k, -1, 1), w = KernelAssert.Uniform<T>(rnd, k * n, -1, 1);
        T[] b = bias ? KernelAssert.Uniform<T>(rnd, n, -1, 1) : [];
        var packed = PackedMatrix<T>.Pack(w, k, n);

        var expected = new T[m * n];
        GemmReference.Multiply<T>(m, n, k, a, k, w, n, expected, n, b);
        ActivationReference.Apply(act, expected.AsSpan(), n);

        var serial = new T[m * n];
        Gemm.Multiply<T>(m, a, k, packed, serial, n, b);
        ActivationFunctions.Apply(act, serial.AsSpan(), n);

        var parallel = new T[m * n + 3];
        parallel.AsSpan().Fill(T.CreateTruncating(-7777));
        ParallelGemm.MultiplyActivate<T>(m, a, packed, parallel.AsSpan(0, m * n), b, act, minimumWork: 0);

        double u = KernelAssert.U<T>();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                string where = $"{typeof(T).Name} {act.Kind} m={m} k={k} n={n} C[{i},{j}]";
                KernelAssert.Same(parallel[i * n + j], serial[i * n + j], where);
                // relu is 1-Lipschitz, so the GEMM bound carries over to relu(C).
                double s = bias ? Math.Abs(double.CreateTruncating(b[j])) : 0;
                for (int p = 0; p < k; p++) s += Math.Abs(double.CreateTruncating(a[i * k + p]) * double.CreateTruncating(w[p * n + j]));
                KernelAssert.Within(parallel[i * n + j], expected[i * n + j], 2 * (k + 3) * u * s, where);
            }
        for (int j = m * n; j < parallel.Length; j++) Assert.Equal(T.CreateTruncating(-7777), parallel[j]);
    }
}
