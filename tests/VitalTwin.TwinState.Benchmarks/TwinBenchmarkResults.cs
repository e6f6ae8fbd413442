namespace VitalTwin.TwinState.Benchmarks;

/// <summary>What one run measured, and the targets it is judged against.</summary>
internal sealed record TwinBenchmarkResults(
    int Patients,
    long Readings,
    TimeSpan FeedTime,
    double ManagedBytesPerTwin,
    double WorkingSetBytesPerTwin,
    long WorkingSetBytes,
    double RestoredManagedBytesPerTwin,
    SnapshotSizes Snapshots,
    TimeSpan SnapshotTime,
    IReadOnlyList<TimeSpan> SequentialRestores,
    IReadOnlyList<TimeSpan> ParallelRestores,
    int Verified,
    int Mismatched,
    MachineLoad LoadAtStart,
    MachineLoad LoadAtEnd)
{
    /// <summary>The targets are stated at this many patients; a smaller run is a smoke test and judges nothing.</summary>
    public const int TargetPatients = 100_000;

    /// <summary>10 KB read as 10,000 bytes, the stricter of the two readings.</summary>
    public const double MaxBytesPerTwin = 10_000;

    public static readonly TimeSpan MaxRestore = TimeSpan.FromSeconds(10);

    public bool IsTargetRun => Patients >= TargetPatients;

    public bool MemoryMet => ManagedBytesPerTwin <= MaxBytesPerTwin && RestoredManagedBytesPerTwin <= MaxBytesPerTwin;

    /// <summary>Judged on the slowest single-threaded run, the first of which restores with a cold JIT as after a restart.</summary>
    public bool RestoreMet => SequentialRestores.Max() < MaxRestore;

    public bool RoundTripMet => Mismatched == 0 && Verified > 0;

    public bool Passed => RoundTripMet && (!IsTargetRun || (MemoryMet && RestoreMet));
}

internal sealed record SnapshotSizes(long Total, double Mean, int Min, int Max)
{
    public static SnapshotSizes Of(byte[][] snapshots) => new(
        snapshots.Sum(s => (long)s.Length),
        snapshots.Average(s => s.Length),
        snapshots.Min(s => s.Length),
        snapshots.Max(s => s.Length));
}
