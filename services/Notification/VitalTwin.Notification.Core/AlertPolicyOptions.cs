using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Notification.Core;

public sealed class AlertPolicyOptions
{
    public const string SectionName = "AlertPolicy";

    /// <summary>
    /// After a spike alert on a vital and direction, further spikes the same way within this time add no alert;
    /// the alert resolves itself once this long has passed without one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SpikeQuietPeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A condition counts as cleared only after it has stayed clear this long, so a score hovering at a
    /// threshold does not raise an alert at every crossing; the alert resolves itself then. 15 min rather than 5:
    /// on the evaluation ward it removed a sixth of the false alerts and missed no event (README, Evaluation).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ClearAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Anomalies on different vitals of one patient this close together raise one combined alert, which says
    /// which vitals moved, instead of one alert each.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CombineWindow { get; set; } = TimeSpan.FromMinutes(2);
}
