using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// <see cref="SplitTuner"/>'s choice between a per-step two-thread split and the other way, driven with synthetic
/// timings (ticks per call): it takes the faster way, re-times the other one rarely while the choice holds, follows a
/// lasting change within a few calls, ignores a single slow call, and starts over for another batch size.
/// </summary>
[Trait("Category", "Kernels")]
public class SplitTunerTests
{
    /// <summary>Runs <paramref name="calls"/> calls whose split / other way take the given ticks per step; returns how many split.</summary>
    private static int Drive(SplitTuner tuner, int calls, long splitTicks, long otherTicks, int batch = 1, int steps = 100)
    {
        int splits = 0;
        for (int i = 0; i < calls; i++)
        {
            bool split = tuner.PreferSplit(batch);
            if (split) splits++;
            tuner.Record(split, steps, (split ? splitTicks : otherTicks) * steps);
        }
        return splits;
    }

    [Fact]
    public void WarmUp_AlternatesBetweenTheTwoWays()
    {
        var tuner = new SplitTuner();
        var seen = new List<bool>();
        for (int i = 0; i < SplitTuner.WarmupCalls; i++)
        {
            bool split = tuner.PreferSplit(1);
            seen.Add(split);
            tuner.Record(split, 10, 1000);
        }
        Assert.Equal(Enumerable.Range(0, SplitTuner.WarmupCalls).Select(i => i % 2 == 0), seen);
    }

    [Theory]
    [InlineData(100, 200, true)]
    [InlineData(300, 200, false)]
    [InlineData(100, 101, true)]
    [InlineData(102, 101, false)]
    public void SteadyTimings_TheFasterWayIsTaken_TheOtherOnlyRarely(long splitTicks, long otherTicks, bool splitFaster)
    {
        var tuner = new SplitTuner();
        Drive(tuner, SplitTuner.WarmupCalls, splitTicks, otherTicks);
        const int calls = 2000;
        int splits = Drive(tuner, calls, splitTicks, otherTicks);
        int other = splitFaster ? calls - splits : splits;
        // re-timings (two calls each) at intervals 16, 32, 64, 128, 256, 256, ...: 2000 calls hold 10 or 11 of them
        Assert.InRange(other, 2 * 9, 2 * 11);
    }

    [Fact]
    public void LastingSlowdownOfTheSplit_SwitchesWithinAFewCalls_AndBackAfterRecovery()
    {
        var tuner = new SplitTuner();
        Drive(tuner, 1000, splitTicks: 100, otherTicks: 160);
        Assert.True(tuner.PreferSplit(1));
        tuner.Record(true, 1, 100);

        // the hand-over becomes slow: the split takes 180 per step from now on
        var choices = new List<bool>();
        for (int i = 0; i < 400; i++)
        {
            bool split = tuner.PreferSplit(1);
            choices.Add(split);
            tuner.Record(split, 1, split ? 180 : 160);
        }
        int splitsWhileSlow = choices.Count(c => c);
        // the switch: the first three calls in a row that do not split (a re-timing of the other way is two calls)
        int firstOther = Enumerable.Range(0, choices.Count - 2).First(i => !choices[i] && !choices[i + 1] && !choices[i + 2]);
        // each slow split raises its estimate 3 %: after 16 of them, 100 · 1.03^16 = 160.5 > 160
        Assert.Equal(16, choices.Take(firstOther).Count(c => c));
        Assert.InRange(splitsWhileSlow, 16, 24);   // then only re-timings, two calls each

        // fast again: the next re-timing of the split (at most MaximumProbeInterval calls away) switches back
        int splitsAfterRecovery = Drive(tuner, 1000, splitTicks: 100, otherTicks: 160, steps: 1);
        Assert.InRange(splitsAfterRecovery, 1000 - SplitTuner.MaximumProbeInterval - 16, 1000);
        Assert.True(Drive(tuner, 200, 100, 160, steps: 1) >= 198);
    }

    [Fact]
    public void ReTiming_CountsOnlyItsSecondCall()
    {
        var tuner = new SplitTuner();
        Drive(tuner, SplitTuner.WarmupCalls, splitTicks: 100, otherTicks: 200);
        for (int i = 1; i < SplitTuner.MinimumProbeInterval; i++)
        {
            Assert.True(tuner.PreferSplit(1));
            tuner.Record(true, 1, 100);
        }
        Assert.False(tuner.PreferSplit(1)); // re-timing, first call: the worker or the caches are cold
        tuner.Record(false, 1, 10_000);
        Assert.Equal(200, tuner.Estimates.Other, 6);
        Assert.False(tuner.PreferSplit(1)); // second call: counted
        tuner.Record(false, 1, 150);
        Assert.Equal(150, tuner.Estimates.Other, 6); // a faster call is the new estimate
        Assert.True(tuner.PreferSplit(1));
    }

    [Fact]
    public void OneSlowCall_DoesNotChangeTheChoice()
    {
        var tuner = new SplitTuner();
        Drive(tuner, 500, splitTicks: 100, otherTicks: 140);
        Assert.True(tuner.PreferSplit(1));
        tuner.Record(true, 1, 100_000); // descheduled in the middle of a call
        Assert.True(tuner.PreferSplit(1)); // estimate raised by 3 % only
        Assert.Equal(103, tuner.Estimates.Split, 6);
    }

    [Fact]
    public void AnotherBatchSize_StartsOver()
    {
        var tuner = new SplitTuner();
        Drive(tuner, 500, splitTicks: 300, otherTicks: 100, batch: 1);
        Assert.False(tuner.PreferSplit(1));
        Assert.True(tuner.PreferSplit(4)); // first call of the new batch size: warm-up starts with the split
        Assert.Equal((0.0, 0.0), tuner.Estimates);
    }

    [Fact]
    public void Estimates_ArePerStep()
    {
        var tuner = new SplitTuner();
        Assert.True(tuner.PreferSplit(2));
        tuner.Record(true, steps: 50, ticks: 5000);
        Assert.False(tuner.PreferSplit(2));
        tuner.Record(false, steps: 200, ticks: 4000);
        Assert.Equal((100.0, 20.0), tuner.Estimates);
    }
}
