using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Labels;

/// <summary>
/// A sensor artifact episode: readings of <see cref="AffectedVitals"/> in [<see cref="Start"/>, <see cref="End"/>)
/// do not show the patient's physiology (or are missing), and an alert caused by them is a false alarm.
/// </summary>
/// <param name="DeviceId">The device the artifact happened on.</param>
/// <param name="Flagged">Whether the device marked the affected readings with a quality flag.</param>
public sealed record ArtifactLabel(
    ArtifactKind Kind,
    string PatientId,
    string DeviceId,
    DateTimeOffset Start,
    DateTimeOffset End,
    bool Flagged,
    IReadOnlyList<VitalSign> AffectedVitals)
{
    public ProbeOffMode? ProbeOffMode { get; init; }

    /// <summary>Device moves: the patient the device went to.</summary>
    public string? OtherPatientId { get; init; }

    /// <summary>Device moves: when the device was re-registered to <see cref="OtherPatientId"/> and measured them.</summary>
    public DateTimeOffset? OtherPatientFrom { get; init; }

    /// <summary>Device moves: the monitor <see cref="PatientId"/> gets at <see cref="End"/>; null if that is after the scenario.</summary>
    public string? ReplacementDeviceId { get; init; }
}
