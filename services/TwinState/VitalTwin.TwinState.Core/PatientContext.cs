using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core;

/// <summary>
/// What devices do not measure but NEWS2 needs, recorded by clinicians, plus where the patient lies.
/// Null oxygen and consciousness mean not recorded: NEWS2 assumes air and Alert and says so.
/// </summary>
/// <param name="SpO2Scale">Scale 2 only for confirmed hypercapnic respiratory failure with a prescribed 88–92 % target.</param>
/// <param name="RecordedBy">The clinician who recorded the context, as shown to staff; null until one has.</param>
/// <param name="RecordedAt">When it was recorded, by the service's clock.</param>
public sealed record PatientContext(
    bool? OnSupplementalOxygen = null,
    SpO2Scale SpO2Scale = SpO2Scale.Scale1,
    Consciousness? Consciousness = null,
    string? Ward = null,
    string? Bed = null,
    string? RecordedBy = null,
    DateTimeOffset? RecordedAt = null)
{
    public static PatientContext Unrecorded { get; } = new();
}
