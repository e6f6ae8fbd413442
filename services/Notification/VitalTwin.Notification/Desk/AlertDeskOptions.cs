using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Notification.Desk;

internal sealed class AlertDeskOptions
{
    public const string SectionName = "AlertDesk";

    /// <summary>WatchAlerts calls open at once; one more is refused with RESOURCE_EXHAUSTED.</summary>
    [Range(1, 100_000)]
    public int MaxWatches { get; set; } = 1_000;
}
