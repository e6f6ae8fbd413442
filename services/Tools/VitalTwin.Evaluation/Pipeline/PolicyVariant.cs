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
}
