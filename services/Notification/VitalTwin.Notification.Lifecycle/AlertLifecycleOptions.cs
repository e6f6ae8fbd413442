using System.ComponentModel.DataAnnotations;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Lifecycle;

public sealed class AlertLifecycleOptions : IValidatableObject
{
    public const string SectionName = "AlertLifecycle";

    /// <summary>An unacknowledged high-priority alert escalates after this long, and again after each further period.</summary>
    public TimeSpan? EscalateHighAfter { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan? EscalateMediumAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Low priority asks for awareness only (IEC 60601-1-8), so by default it never escalates.</summary>
    public TimeSpan? EscalateLowAfter { get; set; }

    /// <summary>Who each escalation goes to, in order; escalation stops after the last.</summary>
    [MinLength(1)]
    public List<string> EscalationChain { get; set; } = ["nurse-in-charge", "rapid-response-team", "on-call-physician"];

    /// <summary>The longest silence a clinician may set; a silence is always time-bounded.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxSilence { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a resolved alert stays in the book (for the desk's history and for recognising a replayed event).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan KeepResolvedFor { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan? EscalateAfter(AlertPriority priority) => priority switch
    {
        AlertPriority.High => EscalateHighAfter,
        AlertPriority.Medium => EscalateMediumAfter,
        _ => EscalateLowAfter,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(EscalateHighAfter), EscalateHighAfter), (nameof(EscalateMediumAfter), EscalateMediumAfter), (nameof(EscalateLowAfter), EscalateLowAfter) })
        {
            if (value is { } after && after <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"{name} must be positive, or left out for no escalation.", [name]);
            }
        }
        if (EscalationChain.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Every entry of EscalationChain must name a role.", [nameof(EscalationChain)]);
        }
    }
}
