using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Infrastructure;

/// <summary>
/// The ways a led two-thread job (<see cref="IPairJob"/>: part 0 the caller's, part 1 the worker's) can be run, which must
/// all give the same result: the helper never comes, the worker was busy (both parts on the caller), and the helper
/// starting after or before the leader on a thread of its own.
/// </summary>
internal static class PairSchedules
{
    public static IEnumerable<Action<IPairJob>> All =>
    [
        job => job.Run(0),
        job => job.Run(-1),
        job => LeaderAndHelper(job, helperFirst: false),
        job => LeaderAndHelper(job, helperFirst: true),
    ];

    private static void LeaderAndHelper(IPairJob job, bool helperFirst)
    {
        var helper = new Thread(() =>
        {
            if (!helperFirst) Thread.Sleep(1);
            job.Run(1);
        });
        helper.Start();
        if (helperFirst) Thread.Sleep(1);
        job.Run(0);
        helper.Join();
    }
}
