using KerasPort.Compute;
using KerasPort.Compute.Jacobians;
using KerasPort.Compute.Recurrent;
using KerasPort.Tests.Cells;

namespace KerasPort.Tests.Jacobians;

/// <summary>
/// Trajectories: values identical to the RNN driver's, and ∂y_s/∂s₀, ∂s_T/∂s₀ against central differences of whole
/// driver runs with a perturbed initial state, under masks, go_backwards and zero_output_for_mask.
/// </summary>
/// <remarks>
/// Tolerance as in <see cref="StepJacobianTests"/>: each driver run is ≲ 100 roundings of values ≲ 3, so the difference
/// quotient's rounding error is ≲ 100 · 3 · 2.2e-16 / 1e-6 ≈ 7e-8 worst case (typically ~1e-10), truncation ≈ 1e-12:
/// the exact chain-rule Jacobian must agree within 1e-7.
/// </remarks>
[Trait("Category", "Recurrent")]
public class TrajectoryJacobianTests
{
    private const double H = 1e-6;
    private const double Tolerance = 1e-7;

    /// <summary>Row layout (b·S + offset_k + i) to the driver's block layout (state k: batch × size_k).</summary>
    private static double[] RowsToBlocks(double[] rows, int[] sizes, int batch)
    {
        int S = sizes.Sum();
        var blocks = new double[rows.Length];
        int block = 0, offset = 0;
        foreach (var size in sizes)
        {
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < size; i++) blocks[block + b * size + i] = rows[b * S + offset + i];
            block += batch * size;
            offset += size;
        }
        return blocks;
    }

    public static TheoryData<int, bool, bool, bool> Cases => new()
    {
        { 0, false, false, false },
        { 0, true, true, false },
        { 0, false, true, true },
        { 1, true, true, true },
        { 2, false, true, false },
        { 3, true, false, false },
    };

    private static IRecurrentCell<double> MakeCell(int kind, Random rng) => kind switch
    {
        0 => StepJacobianTests.Lstm(rng, 3, 3, new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid)),
        1 => StepJacobianTests.Gru(rng, 3, 3, resetAfter: false),
        2 => StepJacobianTests.Gru(rng, 3, 3, resetAfter: true),
        _ => new StackedCells<double>([StepJacobianTests.Gru(rng, 3, 2, true), StepJacobianTests.Lstm(rng, 2, 2, new Activation(ActivationKind.Tanh), new Activation(ActivationKind.Sigmoid))]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputsAndFinalState_WrtInitialState_MatchFiniteDifferencesOfDriverRuns(int kind, bool masked, bool backwards, bool zeroOutput)
    {
        const int batch = 2, time = 7;
        var rng = new Random(100 + kind * 8 + (masked ? 4 : 0) + (backwards ? 2 : 0) + (zeroOutput ? 1 : 0));
        var cell = MakeCell(kind, rng);
        int S = cell.StateSizes.Sum(), I = cell.InputSize, O = cell.OutputSize;
        var x = CellTestMath.Random(rng, batch * time * I, 1.2);
        var s0 = CellTestMath.Random(rng, batch * S, 0.6);
        // row 0 has its first processed step masked (no previous output yet), row 1 a masked run in the middle
        bool[]? mask = null;
        if (masked)
        {
            mask = Enumerable.Repeat(true, batch * time).ToArray();
            mask[0 * time + (backwards ? time - 1 : 0)] = false;
            mask[1 * time + 2] = mask[1 * time + 3] = false;
            mask[0 * time + 4] = false;
        }

        var jac = new CellJacobian<double>(cell);
        var traj = jac.Trajectory(batch, time, x, s0, mask, backwards, zeroOutput);
        var (seq, _, final) = CellTestMath.Run(cell, x, batch, time, RowsToBlocks(s0, cell.StateSizes, batch), mask, backwards, zeroOutput);

        // values: bit-identical to the driver
        var finalRows = RowsToBlocks(Enumerable.Range(0, batch).SelectMany(b => traj.State(time - 1, b).ToArray()).ToArray(), cell.StateSizes, batch);
        Assert.Equal(final, finalRows);
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < time; s++)
                Assert.Equal(seq.AsSpan((b * time + s) * O, O).ToArray(), traj.Output(s, b).ToArray());

        for (int b = 0; b < batch; b++)
        {
            var dy = traj.OutputsWrtInitialState(b);
            var ds = traj.StateWrtInitialState(time - 1, b);
            for (int j = 0; j < S; j++)
            {
                var plus = (double[])s0.Clone();
                var minus = (double[])s0.Clone();
                plus[b * S + j] += H;
                minus[b * S + j] -= H;
                var (seqP, _, finP) = CellTestMath.Run(cell, x, batch, time, RowsToBlocks(plus, cell.StateSizes, batch), mask, backwards, zeroOutput);
                var (seqM, _, finM) = CellTestMath.Run(cell, x, batch, time, RowsToBlocks(minus, cell.StateSizes, batch), mask, backwards, zeroOutput);
                for (int s = 0; s < time; s++)
                    for (int i = 0; i < O; i++)
                    {
                        double fd = (seqP[(b * time + s) * O + i] - seqM[(b * time + s) * O + i]) / (2 * H);
                        CellTestMath.AssertClose(fd, dy[(s * O + i) * S + j], Tolerance, $"row {b} step {s}: ∂y[{i}]/∂s₀[{j}]");
                    }
                // final state component i of row b sits in block layout at (state k, row b, local index)
                int block = 0, offset = 0;
                foreach (var size in cell.StateSizes)
                {
                    for (int i = 0; i < size; i++)
                    {
                        int at = block + b * size + i;
                        CellTestMath.AssertClose((finP[at] - finM[at]) / (2 * H), ds[(offset + i) * S + j], Tolerance, $"row {b}: ∂s_T[{offset + i}]/∂s₀[{j}]");
                    }
                    block += batch * size;
                    offset += size;
                }
            }
            // masked steps: identity on the state, no dependence on the input
            for (int s = 0; s < time; s++)
            {
                if (!traj.IsMasked(s, b)) continue;
                var js = traj.StateJacobian(s, b);
                for (int i = 0; i < S; i++)
                    for (int j = 0; j < S; j++) Assert.Equal(i == j ? 1.0 : 0.0, js[i * S + j]);
                Assert.All(traj.InputJacobian(s, b).ToArray(), v => Assert.Equal(0.0, v));
            }
        }
        if (masked)
        {
            Assert.True(traj.IsMasked(0, 0));
            Assert.Equal(backwards ? time - 1 : 0, traj.InputTimeIndex(0));
        }
    }

    [Fact]
    public void InputJacobian_OfTrajectoryStep_MatchesFiniteDifferenceOfThatInput()
    {
        // s_after(step) depends on x[t] (t = InputTimeIndex(step)) only through that step: perturb x[t], run the driver
        // over the first step + 1 processed steps, and compare with the recorded ∂s′/∂x
        var rng = new Random(77);
        const int time = 5, step = 2;
        var cell = StepJacobianTests.Gru(rng, 3, 2, resetAfter: true);
        int S = 2, I = 3;
        var x = CellTestMath.Random(rng, time * I, 1.0);
        var s0 = CellTestMath.Random(rng, S, 0.5);
        var traj = new CellJacobian<double>(cell).Trajectory(1, time, x, s0, goBackwards: true);
        int t = traj.InputTimeIndex(step);
        Assert.Equal(time - 1 - step, t);
        var jx = traj.InputJacobian(step, 0);
        for (int m = 0; m < I; m++)
        {
            var xp = (double[])x.Clone();
            var xm = (double[])x.Clone();
            xp[t * I + m] += H;
            xm[t * I + m] -= H;
            // processed steps 0..step of a backwards run are time indices time−1 … t: feed exactly those, backwards
            var (_, _, fp) = CellTestMath.Run(cell, xp[(t * I)..], 1, time - t, s0, goBackwards: true);
            var (_, _, fm) = CellTestMath.Run(cell, xm[(t * I)..], 1, time - t, s0, goBackwards: true);
            for (int i = 0; i < S; i++)
                CellTestMath.AssertClose((fp[i] - fm[i]) / (2 * H), jx[i * I + m], Tolerance, $"∂s′[{i}]/∂x[{t}][{m}]");
        }
    }
}
