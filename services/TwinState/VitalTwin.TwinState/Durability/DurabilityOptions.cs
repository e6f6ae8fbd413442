using System.ComponentModel.DataAnnotations;

namespace VitalTwin.TwinState.Durability;

internal sealed class DurabilityOptions
{
    public const string SectionName = "TwinState:Durability";

    /// <summary>How often a partition's twins are snapshotted and its offsets stored; a restart replays at most this much.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Readings buffered per partition before they are written to history in one batch.</summary>
    [Range(1, 100_000)]
    public int HistoryBatchSize { get; set; } = 5_000;

    /// <summary>Where snapshots go: <c>Kafka</c> (the compacted twins topic, default) or the snapshot store (<c>Snapshots:Store</c>: Memory or Dapr).</summary>
    [RegularExpression("^(Kafka|Store)$", ErrorMessage = "TwinState:Durability:Snapshots must be 'Kafka' or 'Store'.")]
    public string Snapshots { get; set; } = "Kafka";
}
