using System.Diagnostics;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Benchmarks;

/// <summary>
/// Feeds simulated patients into a <see cref="TwinRegistry"/>, weighs it, snapshots every twin to bytes, restores
/// them all into fresh registries (single-threaded, then across all cores) and checks a sample snapshots back to
/// the same bytes.
/// </summary>
internal sealed class TwinBenchmark(int patients, int seed, TextWriter log)
{
    private const int RestoreRuns = 3;
    private const int VerifiedSample = 1_000;

    public TwinBenchmarkResults Run()
    {
        var startLoad = MachineLoad.Read();
        WarmUp();

        var (feedTime, managedPerTwin, workingSetPerTwin, workingSet, snapshotTime, snapshots) = FeedAndSnapshot();
        var sizes = SnapshotSizes.Of(snapshots);
        log.WriteLine($"Snapshots: {sizes.Mean:N0} bytes each on average, {sizes.Total / 1_048_576.0:N1} MiB in all, in {snapshotTime.TotalSeconds:N2} s.");

        var sequential = new List<TimeSpan>();
        double restoredPerTwin = 0;
        TwinRegistry? restored = null;
        for (int run = 1; run <= RestoreRuns; run++)
        {
            // Let the previous run's registry go, so this run's weighing counts only its own twins.
            restored = null;
            (restored, var elapsed, restoredPerTwin) = Restore(snapshots, parallel: false);
            sequential.Add(elapsed);
            log.WriteLine($"Restore run {run} (one thread): {elapsed.TotalSeconds:N2} s, {restoredPerTwin / 1000:N2} KB managed per restored twin.");
        }

        var (verified, mismatched) = Verify(restored!, snapshots);
        restored = null;
        log.WriteLine($"Round trip: {verified:N0} sampled twins snapshot back to {(mismatched == 0 ? "identical" : "DIFFERENT")} bytes ({mismatched} mismatched).");

        var parallel = new List<TimeSpan>();
        for (int run = 1; run <= RestoreRuns; run++)
        {
            var (_, elapsed, _) = Restore(snapshots, parallel: true);
            parallel.Add(elapsed);
            log.WriteLine($"Restore run {run} ({Environment.ProcessorCount} threads): {elapsed.TotalSeconds:N2} s.");
        }

        return new TwinBenchmarkResults(
            patients,
            (long)patients * SimulatedPatient.ReadingsPerPatient,
            feedTime,
            managedPerTwin,
            workingSetPerTwin,
            workingSet,
            restoredPerTwin,
            sizes,
            snapshotTime,
            sequential,
            parallel,
            verified,
            mismatched,
            startLoad,
            MachineLoad.Read());
    }

    // JIT and tiering for the feeding and snapshot paths, and TwinSettings.Default, before anything is weighed.
    // Restore is left cold on purpose: its first timed run is what a restarted process does.
    private void WarmUp()
    {
        var registry = new TwinRegistry();
        for (int i = 0; i < 64; i++)
        {
            SimulatedPatient.Feed(registry.GetOrCreate(SimulatedPatient.IdOf(-1 - i)), -1 - i, seed);
            _ = registry.GetOrCreate(SimulatedPatient.IdOf(-1 - i)).Snapshot().ToBytes();
        }
    }

    private (TimeSpan Feed, double ManagedPerTwin, double WorkingSetPerTwin, long WorkingSet, TimeSpan SnapshotTime, byte[][] Snapshots) FeedAndSnapshot()
    {
        var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetBefore = Environment.WorkingSet;
        var registry = new TwinRegistry();
        log.WriteLine($"Feeding {patients:N0} patients {SimulatedPatient.ReadingsPerPatient:N0} readings each on {Environment.ProcessorCount} cores...");

        int fed = 0;
        int step = Math.Max(1, patients / 10);
        var clock = Stopwatch.StartNew();
        Parallel.For(0, patients, i =>
        {
            SimulatedPatient.Feed(registry.GetOrCreate(SimulatedPatient.IdOf(i)), i, seed);
            int done = Interlocked.Increment(ref fed);
            if (done % step == 0 || done == patients)
            {
                log.WriteLine($"  {done * 100L / patients,3} % ({done:N0} twins) after {clock.Elapsed.TotalSeconds:N0} s");
            }
        });
        var feedTime = clock.Elapsed;

        var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        var workingSet = Environment.WorkingSet;
        double managedPerTwin = (managedAfter - managedBefore) / (double)patients;
        double workingSetPerTwin = (workingSet - workingSetBefore) / (double)patients;
        log.WriteLine($"Fed {registry.Count:N0} twins in {feedTime.TotalSeconds:N0} s: {managedPerTwin / 1000:N2} KB managed per twin, working set {workingSet / 1_048_576.0:N0} MiB.");

        var snapshots = new byte[patients][];
        clock.Restart();
        Parallel.For(0, patients, i =>
        {
            registry.TryGet(SimulatedPatient.IdOf(i), out var twin);
            snapshots[i] = twin!.Snapshot().ToBytes();
        });
        var snapshotTime = clock.Elapsed;
        GC.KeepAlive(registry);
        return (feedTime, managedPerTwin, workingSetPerTwin, workingSet, snapshotTime, snapshots);
    }

    // What a restarted instance does once the stored bytes are in memory: decode each snapshot and restore it.
    private (TwinRegistry Registry, TimeSpan Elapsed, double ManagedPerTwin) Restore(byte[][] snapshots, bool parallel)
    {
        var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        var registry = new TwinRegistry();
        var clock = Stopwatch.StartNew();
        if (parallel)
        {
            Parallel.For(0, snapshots.Length, i => registry.Restore(TwinSnapshot.FromBytes(snapshots[i])));
        }
        else
        {
            foreach (var bytes in snapshots)
            {
                registry.Restore(TwinSnapshot.FromBytes(bytes));
            }
        }

        var elapsed = clock.Elapsed;
        if (registry.Count != snapshots.Length)
        {
            throw new InvalidOperationException($"Restored {registry.Count} twins from {snapshots.Length} snapshots.");
        }

        var managedPerTwin = (GC.GetTotalMemory(forceFullCollection: true) - managedBefore) / (double)snapshots.Length;
        return (registry, elapsed, managedPerTwin);
    }

    private (int Verified, int Mismatched) Verify(TwinRegistry restored, byte[][] snapshots)
    {
        int stride = Math.Max(1, snapshots.Length / VerifiedSample);
        int verified = 0, mismatched = 0;
        for (int i = 0; i < snapshots.Length; i += stride)
        {
            verified++;
            if (!restored.TryGet(SimulatedPatient.IdOf(i), out var twin) || !twin!.Snapshot().ToBytes().AsSpan().SequenceEqual(snapshots[i]))
            {
                mismatched++;
            }
        }

        return (verified, mismatched);
    }
}
