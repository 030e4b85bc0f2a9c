using KerasPort.Cells;
using KerasPort.Cells.Samples;
using KerasPort.Compute.Recurrent;

namespace KerasPort.Tests.Cells;

/// <summary>The Hénon map as a custom cell, run through the RNN driver, against the map's double arithmetic written here.</summary>
[Trait("Category", "Recurrent")]
public class HenonCellTests
{
    [Fact]
    public void TenThousandSteps_BitExactAgainstDirectDoubleArithmetic()
    {
        const int time = 10_000;
        const double a = 1.4, b = 0.3;
        var cell = new CustomCellAdapter<double>(new HenonCell(a, b), inputSize: 1);
        double[] initial = [0.1, -0.05, 0.6, 0.2]; // two sequences: (0.1, −0.05) and (0.6, 0.2)
        var inputs = new double[2 * time];         // ignored by the map
        var (seq, last, states) = CellTestMath.Run(cell, inputs, 2, time, initial);

        for (int r = 0; r < 2; r++)
        {
            double x = initial[2 * r], y = initial[2 * r + 1];
            for (int t = 0; t < time; t++)
            {
                double nx = 1 - a * x * x + y;
                double ny = b * x;
                x = nx;
                y = ny;
                Assert.Equal(BitConverter.DoubleToInt64Bits(x), BitConverter.DoubleToInt64Bits(seq[(r * time + t) * 2]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(y), BitConverter.DoubleToInt64Bits(seq[(r * time + t) * 2 + 1]));
            }
            Assert.Equal(BitConverter.DoubleToInt64Bits(x), BitConverter.DoubleToInt64Bits(states[2 * r]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(y), BitConverter.DoubleToInt64Bits(states[2 * r + 1]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(x), BitConverter.DoubleToInt64Bits(last[2 * r]));
        }
        // the trajectory stays on the bounded attractor (a sanity check that the map really ran)
        Assert.InRange(states[0], -1.5, 1.5);
    }

    [Fact]
    public void Masking_KeepsStateAndRepeatsOutput_LikeBuiltInCells()
    {
        const double a = 1.4, b = 0.3;
        var cell = new CustomCellAdapter<double>(new HenonCell(), inputSize: 0);
        bool[] mask = [true, false, true, true, false];
        var (seq, _, states) = CellTestMath.Run(cell, [], 1, 5, [0.2, 0.1], mask);
        double x = 0.2, y = 0.1, ox = 0, oy = 0;
        for (int t = 0; t < 5; t++)
        {
            if (mask[t])
            {
                (x, y) = (1 - a * x * x + y, b * x);
                (ox, oy) = (x, y);
            }
            Assert.Equal(ox, seq[2 * t]);
            Assert.Equal(oy, seq[2 * t + 1]);
        }
        Assert.Equal([x, y], states);
    }

    [Fact]
    public void Float32_FollowsFloatArithmetic()
    {
        var cell = new CustomCellAdapter<float>(new HenonCell(), inputSize: 1);
        var states = new float[] { 0.1f, 0.0f };
        var seq = new float[50 * 2];
        var last = new float[2];
        RnnDriver.Run(cell, new float[50], 1, 50, [], false, false, states, seq, last, new RnnWorkspace<float>());
        float x = 0.1f, y = 0f, af = 1.4f, bf = 0.3f;
        for (int t = 0; t < 50; t++)
        {
            (x, y) = (1f - af * x * x + y, bf * x);
            Assert.Equal(x, seq[2 * t]);
            Assert.Equal(y, seq[2 * t + 1]);
        }
    }
}
