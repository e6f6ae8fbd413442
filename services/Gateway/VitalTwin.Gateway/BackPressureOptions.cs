using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Gateway;

/// <summary>
/// When the Gateway stops taking readings because their consumers fell too far behind (see
/// <see cref="Ingestion.IngestionBackPressure"/>). Off unless <see cref="Groups"/> names the consumer groups to watch:
/// with a real cluster, retention is set for the consumers' worst delay and ops turn this on with budgets to match;
/// the one-machine cluster (DevHost), whose mock keeps only about 5 MiB a partition, turns it on.
/// </summary>
internal sealed class BackPressureOptions
{
    public const string SectionName = "Gateway:Backpressure";

    /// <summary>Consumer groups reading the telemetry topic whose committed offsets must stay within what it keeps.</summary>
    public IList<string> Groups { get; } = [];

    /// <summary>Most records a watched group's committed offset may lag behind the end of any telemetry partition.</summary>
    [Range(1, long.MaxValue)]
    public long MaxLag { get; set; } = 10_000;

    /// <summary>
    /// Once retention has started dropping a partition's oldest records, the share of what it keeps that a group may lag:
    /// beyond it, the group's committed offset is about to be dropped too.
    /// </summary>
    [Range(0.05, 0.95)]
    public double MaxRetainedShare { get; set; } = 0.7;

    /// <summary>How often the groups' committed offsets and the watermarks are read.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait a refused sender is told to keep before sending again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
