namespace KerasPort.Benchmarks.Workloads;

/// <summary>
/// SplitMix64: a tiny deterministic generator, so that the weights and inputs of every workload are the same bits on
/// every machine and .NET version (System.Random's seeded sequence is an implementation detail).
/// </summary>
internal sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    private ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [-limit, limit), rounded to float32 (the values every engine sees).</summary>
    public float Uniform(double limit) => (float)((NextUInt64() >> 11) * (1.0 / (1UL << 53)) * 2.0 * limit - limit);

    public float[] Uniform(int count, double limit)
    {
        var a = new float[count];
        for (int i = 0; i < a.Length; i++) a[i] = Uniform(limit);
        return a;
    }
}
