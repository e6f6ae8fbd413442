using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// Builds readings the way a bedside monitor would send them, and holds the monitor's credential once
/// <see cref="RegisterAsync"/> has registered it: every ingest call sends <see cref="Credential"/>.
/// </summary>
internal sealed class Readings(string patientId, string deviceId)
{
    private ulong _sequence;
    private ulong _bootId;
    private Metadata? _credential;

    public static readonly VitalCode HeartRate = new() { Loinc = "8867-4" };
    public static readonly VitalCode OxygenSaturation = new() { Loinc = "59408-5" };
    public static readonly VitalCode RespiratoryRate = new() { Loinc = "9279-1" };
    public static readonly VitalCode SystolicPressure = new() { Loinc = "8480-6" };
    public static readonly VitalCode Temperature = new() { Loinc = "8310-5" };

    public string PatientId => patientId;
    public string DeviceId => deviceId;

    public VitalSignReading Reading(VitalCode code, double value, string unit, DateTimeOffset? at = null) => new()
    {
        PatientId = patientId,
        DeviceId = deviceId,
        BootId = _bootId,
        SequenceNumber = ++_sequence,
        ObservedAt = Timestamp.FromDateTimeOffset(at ?? DateTimeOffset.UtcNow),
        Code = code,
        Value = value,
        Unit = unit,
    };

    /// <summary>The monitor starts (again): its readings are numbered from 1 under <paramref name="bootId"/>.</summary>
    public void Boot(ulong bootId)
    {
        _bootId = bootId;
        _sequence = 0;
    }

    /// <summary>All five monitored vitals in one batch.</summary>
    public VitalSignBatch Vitals(double heartRate, double spo2, double respiratoryRate, double systolic, double temperature)
    {
        var batch = new VitalSignBatch();
        batch.Readings.Add(Reading(HeartRate, heartRate, "/min"));
        batch.Readings.Add(Reading(OxygenSaturation, spo2, "%"));
        batch.Readings.Add(Reading(RespiratoryRate, respiratoryRate, "/min"));
        batch.Readings.Add(Reading(SystolicPressure, systolic, "mm[Hg]"));
        batch.Readings.Add(Reading(Temperature, temperature, "Cel"));
        return batch;
    }

    /// <summary>Binds the device to the patient from an hour ago, so the tests' back-dated readings are attributed to it.</summary>
    public RegisterDeviceRequest Registration() => new()
    {
        DeviceId = deviceId,
        PatientId = patientId,
        BoundFrom = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
    };

    /// <summary>The headers of this monitor's ingest calls: <c>authorization: Device &lt;credential&gt;</c> from its latest registration.</summary>
    public Metadata Credential => _credential ?? throw new InvalidOperationException("The device has no credential: register it first (RegisterAsync).");

    /// <summary>
    /// Registers the device with <see cref="Registration"/> (the registry client's channel carries a registrar's token)
    /// and keeps the credential the Gateway issued; a registration again replaces it, as on the Gateway.
    /// </summary>
    public async Task<RegisterDeviceResponse> RegisterAsync(DeviceRegistry.DeviceRegistryClient registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var response = await registry.RegisterDeviceAsync(Registration());
        _credential = [new Metadata.Entry("authorization", $"Device {response.DeviceCredential}")];
        return response;
    }

    public static Readings ForNewPatient(string test) =>
        new($"e2e-{test}-{Guid.NewGuid():N}", $"e2e-device-{Guid.NewGuid():N}");
}
