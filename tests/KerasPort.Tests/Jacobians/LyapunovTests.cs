using KerasPort.Cells.Samples;
using KerasPort.Compute.Jacobians;
using Xunit.Abstractions;

namespace KerasPort.Tests.Jacobians;

/// <summary>
/// End to end: the largest Lyapunov exponent of the Hénon map (a = 1.4, b = 0.3) from the cell's exact Jacobians along a
/// 100,000-step trajectory, by the renormalized tangent-vector method (Benettin et al.), after a 1,000-step transient.
/// </summary>
[Trait("Category", "Recurrent")]
public class LyapunovTests(ITestOutputHelper output)
{
    /// <summary>λ₁ over <paramref name="steps"/> steps; also returns the standard error of the mean of the per-step log-stretches in blocks.</summary>
    internal static (double Lambda, double BlockStdError) LargestExponent(double x0, double y0, int transient, int steps, out long allocatedBytes)
    {
        var jac = CellJacobian<double>.ForCustomCell(new HenonCell(1.4, 0.3), inputSize: 0);
        double[] s = [x0, y0], next = new double[2], y = new double[2], J = new double[4];
        double v0 = 1, v1 = 0, sum = 0;
        const int blocks = 100;
        var blockSums = new double[blocks];
        for (int n = 0; n < transient; n++) // let the orbit settle on the attractor (and warm every buffer)
        {
            jac.Step(1, [], s, next, y, J);
            (s, next) = (next, s);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int n = 0; n < steps; n++)
        {
            jac.Step(1, [], s, next, y, J); // J = ∂s_{n+1}/∂s_n at s_n
            (s, next) = (next, s);
            double w0 = J[0] * v0 + J[1] * v1, w1 = J[2] * v0 + J[3] * v1;
            double norm = Math.Sqrt(w0 * w0 + w1 * w1);
            double log = Math.Log(norm);
            sum += log;
            blockSums[n * blocks / steps] += log;
            v0 = w0 / norm;
            v1 = w1 / norm;
        }
        allocatedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        double lambda = sum / steps;
        double mean = 0, var = 0;
        foreach (var b in blockSums) mean += b / (steps / blocks);
        mean /= blocks;
        foreach (var b in blockSums) var += Math.Pow(b / (steps / blocks) - mean, 2);
        return (lambda, Math.Sqrt(var / (blocks - 1) / blocks));
    }

    [Fact]
    public void Henon_LargestExponent_MatchesLiterature()
    {
        // the same run once first: while the loop is still the runtime's instrumented first-tier code (profile-guided
        // optimisation), its transition to optimised code allocates 24 bytes on this thread once (seen when this test runs
        // alone; gone with DOTNET_TieredPGO=0 or DOTNET_TieredCompilation=0); the steady state is what is asserted
        LargestExponent(0.1, 0.1, 1_000, 100_000, out _);
        var (lambda, se) = LargestExponent(0.1, 0.1, 1_000, 100_000, out long allocated);
        output.WriteLine($"λ₁ = {lambda:R} (block standard error {se:E2}); allocated in the loop: {allocated} bytes");
        // The finite-time estimate fluctuates around λ₁ ≈ 0.41922 (literature) with the standard error of the mean of the
        // per-step log-stretches: measured from 100 blocks of 1,000 steps it is ≈ 1.1e-3 (10 other initial conditions gave
        // 0.4172 … 0.4206). ±0.005 is ≥ 4 standard errors, asserted below so the bound stays justified.
        Assert.True(se < 0.00125, $"block standard error {se} is larger than the tolerance assumes");
        Assert.InRange(lambda, 0.41922 - 0.005, 0.41922 + 0.005);
        // the streaming Jacobian loop allocates nothing
        Assert.Equal(0, allocated);
    }
}
