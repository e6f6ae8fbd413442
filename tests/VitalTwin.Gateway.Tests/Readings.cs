using VitalTwin.Contracts.Telemetry.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>Readings as a bedside monitor registered to <see cref="PatientId"/> would send them.</summary>
internal static class Readings
{
    public const string PatientId = "patient-1";
    public const string DeviceId = "monitor-1";
    public const string HeartRateLoinc = "8867-4";

    public static readonly DateTimeOffset Now = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public static VitalSignReading Reading(string loinc, string mdc, double value, string unit, DateTimeOffset? observedAt = null) => new()
    {
        PatientId = PatientId,
        DeviceId = DeviceId,
        SequenceNumber = 1,
        ObservedAt = Timestamp.FromDateTimeOffset(observedAt ?? Now),
        Code = new VitalCode { Loinc = loinc, Mdc = mdc },
        Value = value,
        Unit = unit,
    };

    public static VitalSignReading HeartRate(double value = 72, DateTimeOffset? observedAt = null) =>
        Reading(HeartRateLoinc, string.Empty, value, "/min", observedAt);
}
