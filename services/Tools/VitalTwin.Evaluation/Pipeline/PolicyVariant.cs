using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Notification.Core;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// One configuration of VitalTwin's detection and alert policy to run over the cohort. The shipped one is the
/// headline; sweep variants differ from it in one parameter and are reported as a sweep.
/// </summary>
/// <param name="Parameter">The swept parameter and its value as given, e.g. "SpikeQuietPeriod=30m"; null for the shipped configuration.</param>
public sealed record PolicyVariant(string Name, DetectionOptions Detection, AlertPolicyOptions Policy, string? Parameter = null)
{
    public bool IsShipped => Parameter is null;

    /// <summary>
    /// A proposal, not a setting any service has: the policy hears of a NEWS2 change only once the new score has
    /// held this long without a further change (as if TwinState announced settled scores only). Zero as shipped.
    /// </summary>
    public TimeSpan News2Hold { get; init; }
}
