using KerasPort.Compute.Kernels;

namespace KerasPort.Tests.Compute;

/// <summary>
/// <see cref="PairWorker.Run"/>: each half of a job runs exactly once per call, whoever runs it; a half the worker has
/// not taken by the time the caller's half is done is run by the caller instead of waited for.
/// </summary>
[Trait("Category", "Kernels")]
public class PairWorkerTests
{
    private sealed class RecordingJob : IPairJob
    {
        public int Serial, Part0, Part1, Part1OnCaller;
        public int CallerThread;
        public int SpinPart0;

        public void Run(int part)
        {
            switch (part)
            {
                case -1: Interlocked.Increment(ref Serial); break;
                case 0:
                    Interlocked.Increment(ref Part0);
                    Thread.SpinWait(SpinPart0);
                    break;
                default:
                    Interlocked.Increment(ref Part1);
                    if (Environment.CurrentManagedThreadId == CallerThread) Interlocked.Increment(ref Part1OnCaller);
                    break;
            }
        }
    }

    /// <summary>One call; checks that each half ran exactly once (or the job once serially). True when it ran in parallel.</summary>
    private static bool RunOnce(RecordingJob job)
    {
        job.Serial = job.Part0 = job.Part1 = job.Part1OnCaller = 0;
        PairWorker.Run(job, out bool inParallel);
        Assert.Equal(inParallel ? (0, 1, 1) : (1, 0, 0), (job.Serial, job.Part0, job.Part1));
        return inParallel;
    }

    /// <summary>
    /// On Linux the worker can be moved off a processor (<see cref="WorkerAffinity"/>): its affinity then excludes that
    /// processor and only it, and moving it off another one lets it back on the first. Elsewhere, or with one processor
    /// allowed, nothing is changed.
    /// </summary>
    [Fact]
    public void The_worker_is_moved_off_one_processor_at_a_time()
    {
        if (!PairWorker.Available) return; // no worker thread
        RunOnce(new RecordingJob()); // the worker exists and has registered itself from here on
        for (int wait = 0; wait < 200 && !WorkerAffinity.Known && OperatingSystem.IsLinux(); wait++) Thread.Sleep(5);
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(WorkerAffinity.Known);
            Assert.False(WorkerAffinity.Avoid(0));
            return;
        }
        Assert.True(WorkerAffinity.Known, "the worker did not register its thread id");
        var allowed = Enumerable.Range(0, 1024).Where(WorkerAffinity.Allowed).ToArray();
        if (allowed.Length < 2)
        {
            Assert.False(WorkerAffinity.Avoid(allowed[0])); // it would leave the worker nowhere to run
            return;
        }
        int first = allowed[0], second = allowed[1];
        Assert.True(WorkerAffinity.Avoid(first));
        Assert.True(WorkerAffinity.Excludes(first));
        Assert.False(WorkerAffinity.Excludes(second));
        Assert.True(WorkerAffinity.Avoid(second));
        Assert.True(WorkerAffinity.Excludes(second));
        Assert.False(WorkerAffinity.Excludes(first));
        RunOnce(new RecordingJob()); // and the worker still runs jobs
        Assert.True(WorkerAffinity.Restore());
        Assert.False(WorkerAffinity.Excludes(second));
    }

    [Fact]
    public void A_half_the_worker_has_not_taken_is_run_by_the_caller_once()
    {
        if (!PairWorker.Available) return; // one core: every job runs serially
        var job = new RecordingJob { CallerThread = Environment.CurrentManagedThreadId };
        int takenOver = 0;
        // the worker blocks after SpinMicroseconds without work; its wake-up takes far longer than an empty part 0, so
        // the caller finds part 1 untaken (a call that finds the worker busy with another test's job runs serially)
        for (int attempt = 0; attempt < 200 && takenOver == 0; attempt++)
        {
            Thread.Sleep(2);
            if (RunOnce(job)) takenOver += job.Part1OnCaller;
        }
        Assert.Equal(1, takenOver);
    }

    [Fact]
    public void Each_half_runs_once_whatever_the_race()
    {
        if (!PairWorker.Available) return;
        var job = new RecordingJob { CallerThread = Environment.CurrentManagedThreadId };
        int parallel = 0;
        // part 0 from nothing to a few microseconds: the worker's claim and the caller's withdrawal meet in every order
        for (int i = 0; i < 3000; i++)
        {
            job.SpinPart0 = i % 7 * 40;
            if (i % 500 == 0) Thread.Sleep(1);
            if (RunOnce(job)) parallel++;
        }
        Assert.True(parallel > 0, "no call ran in parallel");
    }
}
