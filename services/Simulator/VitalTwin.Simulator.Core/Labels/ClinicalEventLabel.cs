using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Labels;

/// <summary>
/// A clinical event the simulator gave a patient: the ground truth an alert is judged against.
/// </summary>
/// <param name="Onset">When the physiology starts to change.</param>
/// <param name="Peak">When the full effect is reached (onset plus ramp).</param>
/// <param name="End">When the effect has gone again; null when it persists (it may lie after the scenario's end).</param>
/// <param name="Severity">0-1 of the event model's full effect.</param>
public sealed record ClinicalEventLabel(
    ClinicalEventKind Kind,
    string PatientId,
    DateTimeOffset Onset,
    DateTimeOffset Peak,
    DateTimeOffset? End,
    double Severity);
