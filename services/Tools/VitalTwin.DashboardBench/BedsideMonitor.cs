using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DashboardBench;

/// <summary>One patient's monitor: its device, the credential the Gateway issued it, and its numbered readings.</summary>
internal sealed class BedsideMonitor(string patientId, string deviceId)
{
    public static readonly VitalCode HeartRate = new() { Loinc = "8867-4" };
    public static readonly VitalCode OxygenSaturation = new() { Loinc = "59408-5" };
    public static readonly VitalCode RespiratoryRate = new() { Loinc = "9279-1" };
    public static readonly VitalCode SystolicPressure = new() { Loinc = "8480-6" };
    public static readonly VitalCode Temperature = new() { Loinc = "8310-5" };

    private ulong _sequence;

    public string PatientId => patientId;

    public Metadata Credential { get; private set; } = [];

    /// <summary>The registration that binds this monitor to its patient from <paramref name="boundFrom"/>.</summary>
    public RegisterDeviceRequest Registration(DateTimeOffset boundFrom) =>
        new() { DeviceId = deviceId, PatientId = patientId, BoundFrom = Timestamp.FromDateTimeOffset(boundFrom) };

    /// <summary>Keeps the credential a registration issued.</summary>
    public void Registered(string deviceCredential) =>
        Credential = [new Metadata.Entry("authorization", $"Device {deviceCredential}")];

    /// <summary>Registers <paramref name="monitors"/> in one RegisterDevices call; a monitor refused fails the bench.</summary>
    public static async Task RegisterAllAsync(DeviceRegistry.DeviceRegistryClient registry, IReadOnlyList<BedsideMonitor> monitors, DateTimeOffset boundFrom, CancellationToken cancellationToken)
    {
        var response = await registry.RegisterDevicesAsync(
            new RegisterDevicesRequest { Devices = { monitors.Select(monitor => monitor.Registration(boundFrom)) } },
            cancellationToken: cancellationToken);
        foreach (var result in response.Results)
        {
            if (result.OutcomeCase != RegisterDeviceResult.OutcomeOneofCase.Registered)
            {
                throw new InvalidOperationException($"The Gateway refused monitor {result.DeviceId}: {result.Refused?.Detail}");
            }
            monitors[(int)result.Index].Registered(result.Registered.DeviceCredential);
        }
    }

    /// <summary>A batch of the five monitored vitals; <paramref name="heartRate"/> alone when the others are null.</summary>
    public VitalSignBatch Batch(DateTimeOffset at, double heartRate, (double Spo2, double RespiratoryRate, double Systolic, double Temperature)? others = null)
    {
        var batch = new VitalSignBatch();
        batch.Readings.Add(Reading(at, HeartRate, heartRate, "/min"));
        if (others is { } vitals)
        {
            batch.Readings.Add(Reading(at, OxygenSaturation, vitals.Spo2, "%"));
            batch.Readings.Add(Reading(at, RespiratoryRate, vitals.RespiratoryRate, "/min"));
            batch.Readings.Add(Reading(at, SystolicPressure, vitals.Systolic, "mm[Hg]"));
            batch.Readings.Add(Reading(at, Temperature, vitals.Temperature, "Cel"));
        }
        return batch;
    }

    private VitalSignReading Reading(DateTimeOffset at, VitalCode code, double value, string unit) => new()
    {
        PatientId = patientId,
        DeviceId = deviceId,
        BootId = 1,
        SequenceNumber = ++_sequence,
        ObservedAt = Timestamp.FromDateTimeOffset(at),
        Code = code,
        Value = value,
        Unit = unit,
    };
}
