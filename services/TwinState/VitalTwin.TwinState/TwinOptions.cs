using System.ComponentModel.DataAnnotations;
using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState;

/// <summary>How the twins judge time, where it differs from <see cref="TwinSettings.Default"/>.</summary>
internal sealed class TwinOptions : IValidatableObject
{
    public const string SectionName = "Twin";

    /// <summary>
    /// Staleness thresholds by vital (<c>Twin:StaleAfter:HeartRate</c>, …) in place of the defaults; e.g. for a recording
    /// sampled more sparsely than a bedside monitor. The evaluation reads the same keys.
    /// </summary>
    public Dictionary<VitalSign, TimeSpan> StaleAfter { get; set; } = [];

    public TwinSettings ToSettings() =>
        StaleAfter.Count == 0
            ? TwinSettings.Default
            : TwinSettings.Default with { StaleAfter = TwinSettings.Default.StaleAfter.Concat(StaleAfter).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value) };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StaleAfter.Any(t => t.Value <= TimeSpan.Zero))
        {
            yield return new ValidationResult("Every staleness threshold must be positive.", [nameof(StaleAfter)]);
        }
    }
}
