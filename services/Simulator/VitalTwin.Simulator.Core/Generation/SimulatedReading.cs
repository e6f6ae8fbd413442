using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Generation;

/// <summary>One measurement as a device would send it: value in the catalogue's canonical unit.</summary>
public readonly record struct SimulatedReading(
    DateTimeOffset ObservedAt,
    string PatientId,
    string DeviceId,
    VitalSign Vital,
    double Value,
    string Unit,
    ReadingQuality Quality);

/// <summary>A patient of the simulated cohort as drawn from the scenario.</summary>
public sealed record SimulatedPatient(
    string Id,
    int Age,
    Scenarios.PatientCondition Condition,
    Physiology.PatientBaseline Baseline,
    Physiology.CircadianProfile Circadian,
    string InitialDeviceId);
