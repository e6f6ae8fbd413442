using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.ServiceDefaults.Security;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// RegisterDevices on a running Gateway over real gRPC against the embedded Kafka: each device of a call is judged
/// on its own as RegisterDevice would judge it, a refused one is reported in its result and nothing of it is stored,
/// the others are registered, audited and can send with the credential of their result.
/// </summary>
public sealed class BatchRegistrationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;
    private ulong _sequence;

    private DeviceRegistry.DeviceRegistryClient Registry => new(_gateway.Channel);

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await GatewayServer.StartAsync(_kafka, _topics, _clock);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task Each_device_is_registered_or_refused_on_its_own_and_only_the_registered_are_stored_audited_and_may_send()
    {
        var before = await _gateway.RegisterAsync("monitor-moved", "patient-first");
        var request = new RegisterDevicesRequest
        {
            Devices =
            {
                Registration("monitor-1", "patient-1"),
                Registration("", "patient-2"),
                Registration("monitor-moved", "patient-second", Readings.Now.AddMinutes(-5)),
                Registration("monitor-3", "patient-3", Readings.Now.AddDays(-30)),
                Registration("monitor-1", "patient-4"),
                Registration("monitor-5", "patient-5"),
            },
        };

        var response = await Registry.RegisterDevicesAsync(request, _gateway.Registrar);

        Assert.Equal(
            [
                (0u, "monitor-1", RegisterDeviceResult.OutcomeOneofCase.Registered, false, 0, ""),
                (1u, "", RegisterDeviceResult.OutcomeOneofCase.Refused, false, (int)StatusCode.InvalidArgument, "device_id and patient_id are required"),
                (2u, "monitor-moved", RegisterDeviceResult.OutcomeOneofCase.Registered, true, 0, ""),
                (3u, "monitor-3", RegisterDeviceResult.OutcomeOneofCase.Refused, false, (int)StatusCode.InvalidArgument, "bound_from is outside the accepted time window (Gateway:MaxClockSkew ahead, Gateway:MaxReadingAge back)"),
                (4u, "monitor-1", RegisterDeviceResult.OutcomeOneofCase.Refused, false, (int)StatusCode.InvalidArgument, "device_id appears more than once in the call"),
                (5u, "monitor-5", RegisterDeviceResult.OutcomeOneofCase.Registered, false, 0, ""),
            ],
            response.Results.Select(r => (r.Index, r.DeviceId, r.OutcomeCase, r.Registered?.Rebound ?? false, r.Refused?.StatusCode ?? 0, r.Refused?.Detail ?? "")));
        Assert.Equal(["monitor-moved", "monitor-1", "monitor-moved", "monitor-5"], _gateway.ReadAll(_topics.Devices).Select(r => r.Message.Key));

        // Each registered device sends with its own new credential; the moved one's old credential no longer works.
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(_gateway.Channel);
        foreach (var (device, patient, index) in new[] { ("monitor-1", "patient-1", 0), ("monitor-moved", "patient-second", 2), ("monitor-5", "patient-5", 5) })
        {
            var ack = await ingestion.IngestAsync(Batch(Reading(device, patient)), GatewayServer.Device(response.Results[index].Registered.DeviceCredential));
            Assert.Equal((1u, 0u), (ack.Accepted, ack.Rejected));
        }
        var old = await Assert.ThrowsAsync<RpcException>(() => ingestion.IngestAsync(Batch(Reading("monitor-moved", "patient-second")), GatewayServer.Device(before)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, old.StatusCode);
        Assert.Equal(4, response.Results.Where(r => r.Registered is not null).Select(r => r.Registered.DeviceCredential).Append(before).Distinct().Count());

        var audited = _gateway.ReadAll(_topics.Audit)
            .Select(r => AccessAudited.Parser.ParseFrom(r.Message.Value))
            .Where(e => e.Action.EndsWith("/RegisterDevices", StringComparison.Ordinal))
            .Select(e => (e.PatientId, e.Detail, e.Outcome))
            .OrderBy(e => e.PatientId, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [
                ("patient-1", "device monitor-1 bound", AuditOutcome.Allowed),
                ("patient-5", "device monitor-5 bound", AuditOutcome.Allowed),
                ("patient-second", "device monitor-moved bound, moved from another patient", AuditOutcome.Allowed),
            ],
            audited);
    }

    [Fact]
    public async Task A_call_without_the_registrar_role_or_with_no_or_too_many_devices_is_refused_whole_and_stores_nothing()
    {
        var one = new RegisterDevicesRequest { Devices = { Registration("monitor-1", "patient-1") } };
        var tooMany = new RegisterDevicesRequest { Devices = { Enumerable.Range(0, 1_001).Select(i => Registration($"monitor-{i}", $"patient-{i}")) } };
        var refusals = new (string Caller, Metadata Headers, RegisterDevicesRequest Request, StatusCode Expected)[]
        {
            ("no token", [], one, StatusCode.Unauthenticated),
            ("clinician", _gateway.Bearer(Roles.Clinician), one, StatusCode.PermissionDenied),
            ("no device", _gateway.Registrar, new RegisterDevicesRequest(), StatusCode.InvalidArgument),
            ("1,001 devices", _gateway.Registrar, tooMany, StatusCode.InvalidArgument),
        };

        foreach (var (caller, headers, request, expected) in refusals)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Registry.RegisterDevicesAsync(request, headers).ResponseAsync);
            Assert.True(refused.StatusCode == expected, $"{caller}: {refused.Status}");
        }
        var thousand = new RegisterDevicesRequest { Devices = { Enumerable.Range(0, 1_000).Select(i => Registration($"monitor-{i}", $"patient-{i}")) } };
        var registered = await Registry.RegisterDevicesAsync(thousand, _gateway.Registrar);

        Assert.All(registered.Results, r => Assert.Equal(RegisterDeviceResult.OutcomeOneofCase.Registered, r.OutcomeCase));
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => $"monitor-{i}"), _gateway.ReadAll(_topics.Devices).Select(r => r.Message.Key));
    }

    private static RegisterDeviceRequest Registration(string device, string patient, DateTimeOffset? boundFrom = null) => new()
    {
        DeviceId = device,
        PatientId = patient,
        BoundFrom = Timestamp.FromDateTimeOffset(boundFrom ?? Readings.Now.AddHours(-1)),
    };

    private VitalSignReading Reading(string device, string patient)
    {
        var reading = Readings.HeartRate(70, Readings.Now.AddSeconds(-1));
        reading.DeviceId = device;
        reading.PatientId = patient;
        reading.SequenceNumber = ++_sequence;
        return reading;
    }

    private static VitalSignBatch Batch(params VitalSignReading[] readings) => new() { Readings = { readings } };
}
