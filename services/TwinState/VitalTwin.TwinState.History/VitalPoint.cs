namespace VitalTwin.TwinState.History;

/// <summary>One reading of one vital sign, as it goes into history.</summary>
public sealed record VitalPoint(string PatientId, string Loinc, double Value, string Unit, DateTimeOffset ObservedAt, string DeviceId);
