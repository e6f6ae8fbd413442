using System.ComponentModel.DataAnnotations;

namespace VitalTwin.TwinState;

internal sealed class TwinQueryOptions
{
    public const string SectionName = "TwinQuery";

    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 50;

    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 500;

    /// <summary>WatchTwins calls open at once; one more is refused with RESOURCE_EXHAUSTED.</summary>
    [Range(1, 100_000)]
    public int MaxWatches { get; set; } = 1_000;

    /// <summary>Patient ids one WatchTwins call may name.</summary>
    [Range(1, 100_000)]
    public int MaxWatchedPatients { get; set; } = 1_000;

    /// <summary>
    /// Changed patients a watch may have waiting for its reader; beyond this it forgets them and resends every
    /// matching twin once the reader catches up, so a slow reader costs bounded memory.
    /// </summary>
    [Range(1, 1_000_000)]
    public int WatchBacklog { get; set; } = 10_000;

    /// <summary>Longest ward, bed or clinician name accepted.</summary>
    [Range(1, 1_024)]
    public int MaxLabelLength { get; set; } = 128;

    /// <summary>
    /// Event time: the grid on which each telemetry partition's twins have their clocks moved as the partition's
    /// watermark (the newest reading time seen on it) passes, so that a vital that stopped arriving turns stale and
    /// expired anomalies close in the readings' time, whatever the replay speed. Also how often, on the wall clock,
    /// partitions are checked for having gone silent (<see cref="SilentPartitionAfter"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StalenessCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Wall time: a telemetry partition from which nothing at all arrived for this long counts as gone silent, and
    /// its event time runs on at wall speed from its last reading, so its devices' vitals turn stale as they would
    /// live. The only wall-clock staleness: long enough that a consumer pausing (a rebalance, a slow disk) is not
    /// mistaken for silence.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SilentPartitionAfter { get; set; } = TimeSpan.FromMinutes(1);
}
