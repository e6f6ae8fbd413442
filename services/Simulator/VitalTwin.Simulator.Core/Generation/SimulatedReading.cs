using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Generation;

/// <summary>Signal-quality flags a device attaches to a reading (the telemetry contract's quality flags).</summary>
[Flags]
public enum ReadingQuality
{
    None = 0,
    MotionArtifact = 1,
    LowPerfusion = 2,
    ProbeOff = 4,
    Calibrating = 8,
    Questionable = 16,
    ManualEntry = 32,
}

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
