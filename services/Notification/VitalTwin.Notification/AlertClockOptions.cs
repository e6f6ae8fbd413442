using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Notification;

/// <summary>Which clock lets time pass for the alert policy: event time per partition, the wall clock only for silence.</summary>
internal sealed class AlertClockOptions
{
    public const string SectionName = "AlertClock";

    /// <summary>
    /// Event time: the grid on which a partition's clear times and quiet periods run out, as the times of the events
    /// consumed from it pass. The in-process evaluation runs the same grid on its simulated clock.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Wall time: a partition from which no event arrived for this long lets its event time run on at wall speed from
    /// its last event, so a condition that stays clear resolves even though TwinState, which reports only changes,
    /// says nothing more. Also how long a replay may pause before its partitions count as silent.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SilentPartitionAfter { get; set; } = TimeSpan.FromMinutes(1);
}
