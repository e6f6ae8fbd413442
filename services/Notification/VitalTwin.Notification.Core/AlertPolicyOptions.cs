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
    /// Whether a single-reading spike a detector flags raises an alert of its own. Off: in a continuous stream a lone
    /// spike is far more often motion or a loose probe than physiology (two thirds of the false alerts on the
    /// evaluation ward were spikes and spikes combined), and a real deterioration also moves NEWS2 or lasts. Spikes
    /// still show on the twin and are kept out of the patient's baseline.
    /// </summary>
    public bool AlertOnSpikes { get; set; }

    /// <summary>
    /// Whether a lasting change a change-point detector flags raises an alert of its own (when the vital's new value
    /// scores 2 or more in NEWS2). Off: on the evaluation ward these were most of the remaining false alerts, since a
    /// change point is judged on one reading, often a motion artifact's; a lasting change of a real deterioration is
    /// caught by NEWS2 on windowed values and by the deterioration watch. Changes still show on the twin.
    /// </summary>
    public bool AlertOnChanges { get; set; }

    /// <summary>
    /// A "trending worse" alert stays open this long (a NEWS2 alert raised meanwhile supersedes it), and no second one is
    /// raised for the patient before it has resolved.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan TrendOpenFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Anomalies on different vitals of one patient this close together raise one combined alert, which says
    /// which vitals moved, instead of one alert each.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CombineWindow { get; set; } = TimeSpan.FromMinutes(2);
}
