using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Notification.Core;

public sealed class AlertPolicyOptions
{
    public const string SectionName = "AlertPolicy";

    /// <summary>After a spike alert on a vital and direction, further spikes the same way within this time add no alert.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SpikeQuietPeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A NEWS2 condition counts as cleared only after the score has stayed below it this long, so a score
    /// hovering at a threshold does not raise an alert at every crossing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ClearAfter { get; set; } = TimeSpan.FromMinutes(5);
}
