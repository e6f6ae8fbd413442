using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
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
/// Devices authenticate with the key RegisterDevice issued, on a running Gateway over real gRPC: a call that does
/// not prove a registered, unrevoked device is refused whole with UNAUTHENTICATED, and nothing of it reaches Kafka
/// (the telemetry and rejected topics are read to prove it); a reading naming another device is refused on the ack.
/// </summary>
public sealed class DeviceAuthenticationTests : IAsyncLifetime
{
    private const string PatientA = "patient-a";
    private const string DeviceA = "monitor-a";

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;
    private ulong _sequence;

    private VitalSignIngestion.VitalSignIngestionClient Ingestion => new(_gateway.Channel);

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

    public static TheoryData<string> Impostors => ["no credential", "malformed", "unknown device", "made-up secret for a known device", "another device's secret", "registrar token"];

    [Theory]
    [MemberData(nameof(Impostors))]
    public async Task A_call_that_proves_no_registered_device_is_unauthenticated_on_both_methods_and_none_of_its_readings_reach_kafka(string impostor)
    {
        var credentialA = await _gateway.RegisterAsync(DeviceA, PatientA);
        var credentialB = await _gateway.RegisterAsync("monitor-b", "patient-b");
        var headers = impostor switch
        {
            "no credential" => [],
            "malformed" => GatewayServer.Device("monitor-a:let-me-in"),
            "unknown device" => GatewayServer.Device(Forge("monitor-never-registered", RandomNumberGenerator.GetBytes(32))),
            "made-up secret for a known device" => GatewayServer.Device(Forge(DeviceA, RandomNumberGenerator.GetBytes(32))),
            "another device's secret" => GatewayServer.Device(Forge(DeviceA, SecretOf(credentialB))),
            _ => _gateway.Registrar,
        };

        var unary = await Assert.ThrowsAsync<RpcException>(() => Ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), headers).ResponseAsync);
        var stream = await StreamOutcomeAsync(headers, Batch(Reading(DeviceA, PatientA)), Batch(Reading(DeviceA, PatientA)));
        var genuine = Reading(DeviceA, PatientA);
        var ack = await Ingestion.IngestAsync(Batch(genuine), GatewayServer.Device(credentialA));

        Assert.Equal((StatusCode.Unauthenticated, StatusCode.Unauthenticated), (unary.StatusCode, stream.StatusCode));
        Assert.Equal((1u, 0u), (ack.Accepted, ack.Rejected));
        // Only the genuine reading, sent after the refused calls, is on the telemetry topic; nothing on the rejected one.
        Assert.Equal([genuine.SequenceNumber], Telemetry().Select(r => r.Reading.SequenceNumber));
        Assert.Empty(_gateway.ReadAll(_topics.TelemetryRejected));
        Assert.DoesNotContain(_gateway.Log, line => line.Contains(DeviceA, StringComparison.Ordinal) || line.Contains(PatientA, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Readings_naming_another_device_than_the_authenticated_one_are_refused_on_the_ack_and_published_nowhere()
    {
        var credentialA = GatewayServer.Device(await _gateway.RegisterAsync(DeviceA, PatientA));
        await _gateway.RegisterAsync("monitor-b", "patient-b");
        var own = Reading(DeviceA, PatientA);
        var ofB = Reading("monitor-b", "patient-b");
        var ofNobody = Reading("monitor-unregistered", PatientA);

        var unary = await Ingestion.IngestAsync(Batch(own, ofB, ofNobody), credentialA);
        var ownLater = Reading(DeviceA, PatientA);
        var streamed = await StreamAsync(credentialA, Batch(Reading("monitor-b", "patient-b")), Batch(ownLater));

        Assert.Equal((1u, 2u), (unary.Accepted, unary.Rejected));
        Assert.Equal(
            [(1u, "monitor-b", ofB.SequenceNumber, RejectionReason.DeviceMismatch), (2u, "monitor-unregistered", ofNobody.SequenceNumber, RejectionReason.DeviceMismatch)],
            unary.Rejections.Select(r => (r.Index, r.DeviceId, r.SequenceNumber, r.Reason)));
        Assert.Equal((1u, 1u), (streamed.Accepted, streamed.Rejected));
        Assert.Equal((0u, RejectionReason.DeviceMismatch), (streamed.Rejections[0].Index, streamed.Rejections[0].Reason));
        Assert.Equal([(DeviceA, own.SequenceNumber), (DeviceA, ownLater.SequenceNumber)], Telemetry().Select(r => (r.Reading.DeviceId, r.Reading.SequenceNumber)));
        Assert.Empty(_gateway.ReadAll(_topics.TelemetryRejected));
    }

    [Fact]
    public async Task Each_registration_issues_a_new_credential_and_the_previous_one_stops_working_while_old_readings_keep_their_patient()
    {
        var first = await _gateway.RegisterAsync(DeviceA, PatientA, Readings.Now.AddHours(-2));
        var beforeMove = Reading(DeviceA, PatientA, Readings.Now.AddMinutes(-30));
        Assert.Equal(1u, (await Ingestion.IngestAsync(Batch(beforeMove), GatewayServer.Device(first))).Accepted);

        // Moved to another patient ten minutes ago: re-registered with bound_from, it switches credential.
        var moved = await Registry.RegisterDeviceAsync(
            new RegisterDeviceRequest { DeviceId = DeviceA, PatientId = "patient-b", BoundFrom = Timestamp.FromDateTimeOffset(Readings.Now.AddMinutes(-10)) },
            _gateway.Registrar);
        var old = await Assert.ThrowsAsync<RpcException>(() => Ingestion.IngestAsync(Batch(Reading(DeviceA, "patient-b")), GatewayServer.Device(first)).ResponseAsync);
        var late = Reading(DeviceA, PatientA, Readings.Now.AddMinutes(-20));
        var afterMove = Reading(DeviceA, "patient-b");
        var ack = await Ingestion.IngestAsync(Batch(late, afterMove), GatewayServer.Device(moved.DeviceCredential));

        Assert.True(moved.Rebound);
        Assert.NotEqual(first, moved.DeviceCredential);
        Assert.Equal(StatusCode.Unauthenticated, old.StatusCode);
        Assert.Equal((2u, 0u), (ack.Accepted, ack.Rejected));
        Assert.Equal(
            [(PatientA, beforeMove.SequenceNumber), (PatientA, late.SequenceNumber), ("patient-b", afterMove.SequenceNumber)],
            Telemetry().Select(r => (r.Reading.PatientId, r.Reading.SequenceNumber)));
    }

    [Fact]
    public async Task A_revoked_device_is_refused_on_both_methods_also_after_a_restart_until_registered_again_and_then_with_the_new_credential_only()
    {
        var revokedCredential = GatewayServer.Device(await _gateway.RegisterAsync(DeviceA, PatientA));
        var accepted = Reading(DeviceA, PatientA);
        Assert.Equal(1u, (await Ingestion.IngestAsync(Batch(accepted), revokedCredential)).Accepted);

        var revocation = await Registry.RevokeDeviceAsync(new RevokeDeviceRequest { DeviceId = DeviceA, Reason = "reported lost" }, _gateway.Registrar);
        var unary = await Assert.ThrowsAsync<RpcException>(() => Ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), revokedCredential).ResponseAsync);
        var stream = await StreamOutcomeAsync(revokedCredential, Batch(Reading(DeviceA, PatientA)));
        await RestartAsync();
        var afterRestart = await Assert.ThrowsAsync<RpcException>(() => Ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), revokedCredential).ResponseAsync);

        var renewed = GatewayServer.Device(await _gateway.RegisterAsync(DeviceA, PatientA));
        var oldAfterRenewal = await Assert.ThrowsAsync<RpcException>(() => Ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), revokedCredential).ResponseAsync);
        var back = Reading(DeviceA, PatientA);
        var ack = await Ingestion.IngestAsync(Batch(back), renewed);

        Assert.True(revocation.WasRegistered);
        Assert.Equal(
            [StatusCode.Unauthenticated, StatusCode.Unauthenticated, StatusCode.Unauthenticated, StatusCode.Unauthenticated],
            new[] { unary.StatusCode, stream.StatusCode, afterRestart.StatusCode, oldAfterRenewal.StatusCode });
        Assert.Equal((1u, 0u), (ack.Accepted, ack.Rejected));
        Assert.Equal([accepted.SequenceNumber, back.SequenceNumber], Telemetry().Select(r => r.Reading.SequenceNumber));
        Assert.Empty(_gateway.ReadAll(_topics.TelemetryRejected));
        var revoked = _gateway.ReadAll(_topics.Devices).Select(r => new ConsumedEvent(r)).Where(e => e.Is(DeviceRevoked.Descriptor)).ToList();
        var revokedEvent = Assert.Single(revoked).Parse(DeviceRevoked.Parser);
        Assert.Equal((DeviceA, "reported lost", Readings.Now), (revokedEvent.DeviceId, revokedEvent.Reason, revokedEvent.RevokedAt.ToDateTimeOffset()));
        Assert.Equal(DeviceA, revoked[0].Key);
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("registered again")]
    public async Task A_stream_open_when_its_device_is_revoked_or_its_key_replaced_is_ended_at_its_next_batch_which_is_not_stored(string change)
    {
        var credential = GatewayServer.Device(await _gateway.RegisterAsync(DeviceA, PatientA));
        using var call = Ingestion.IngestStream(credential);
        var beforeRevocation = Reading(DeviceA, PatientA);
        await call.RequestStream.WriteAsync(Batch(beforeRevocation));
        // The first batch is stored before the next is read: wait until Kafka has it, so the revocation comes after.
        await UntilAsync(() => Telemetry().Count == 1);

        if (change == "revoked")
        {
            await _gateway.RevokeAsync(DeviceA);
        }
        else
        {
            await _gateway.RegisterAsync(DeviceA, PatientA);
        }
        try
        {
            await call.RequestStream.WriteAsync(Batch(Reading(DeviceA, PatientA)));
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The call is over already; its status follows.
        }
        var ended = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        Assert.Equal([beforeRevocation.SequenceNumber], Telemetry().Select(r => r.Reading.SequenceNumber));
    }

    [Fact]
    public async Task Only_the_hash_of_the_secret_is_on_the_devices_topic_and_the_credential_keeps_working_after_a_restart()
    {
        var credential = await _gateway.RegisterAsync(DeviceA, PatientA);
        await RestartAsync();
        var ack = await Ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), GatewayServer.Device(credential));

        var record = Assert.Single(_gateway.ReadAll(_topics.Devices));
        var bound = DeviceBound.Parser.ParseFrom(record.Message.Value);
        var secret = SecretOf(credential);
        Assert.Equal(32, secret.Length);
        Assert.Equal(SHA256.HashData(secret), bound.CredentialSha256.ToByteArray());
        Assert.Equal(-1, record.Message.Value.AsSpan().IndexOf(secret));
        Assert.DoesNotContain(credential.Split('.')[2], Encoding.UTF8.GetString(record.Message.Value), StringComparison.Ordinal);
        Assert.Equal(1u, ack.Accepted);
    }

    [Fact]
    public async Task Credentials_issued_for_the_same_device_differ_and_carry_256_random_bits()
    {
        var secrets = new List<byte[]>();
        for (var i = 0; i < 5; i++)
        {
            secrets.Add(SecretOf(await _gateway.RegisterAsync(DeviceA, PatientA)));
        }

        Assert.All(secrets, secret => Assert.Equal(32, secret.Length));
        Assert.Equal(5, secrets.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public async Task Registering_and_revoking_need_the_registrar_role_and_a_refused_call_changes_nothing()
    {
        var credential = await _gateway.RegisterAsync(DeviceA, PatientA);
        var registration = new RegisterDeviceRequest { DeviceId = "monitor-b", PatientId = "patient-b" };
        var revocation = new RevokeDeviceRequest { DeviceId = DeviceA, Reason = "not allowed" };
        var callers = new (string Caller, Metadata Headers, StatusCode Expected, string Reason)[]
        {
            ("no token", [], StatusCode.Unauthenticated, "a bearer access token is required"),
            ("device credential", GatewayServer.Device(credential), StatusCode.Unauthenticated, "a bearer access token is required"),
            ("forged token", [new Metadata.Entry("authorization", "Bearer " + ForgedToken())], StatusCode.Unauthenticated, "the access token's signature is not trusted"),
            ("clinician", _gateway.Bearer(Roles.Clinician), StatusCode.PermissionDenied, "role registrar required"),
            ("integration and operator", _gateway.Bearer(Roles.Integration, Roles.Operator), StatusCode.PermissionDenied, "role registrar required"),
        };

        foreach (var (caller, headers, expected, reason) in callers)
        {
            var register = await Assert.ThrowsAsync<RpcException>(() => Registry.RegisterDeviceAsync(registration, headers).ResponseAsync);
            var revoke = await Assert.ThrowsAsync<RpcException>(() => Registry.RevokeDeviceAsync(revocation, headers).ResponseAsync);
            Assert.True(
                (register.StatusCode, register.Status.Detail, revoke.StatusCode, revoke.Status.Detail) == (expected, reason, expected, reason),
                $"{caller}: {register.Status}, {revoke.Status}");
        }
        var unknown = await Registry.RevokeDeviceAsync(new RevokeDeviceRequest { DeviceId = "monitor-never-registered" }, _gateway.Registrar);
        var ack = await Ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), GatewayServer.Device(credential));

        Assert.False(unknown.WasRegistered);
        Assert.Equal(1u, ack.Accepted);
        // The one registration made with the registrar role, and nothing else.
        Assert.Equal([DeviceA], _gateway.ReadAll(_topics.Devices).Select(r => r.Message.Key));
    }

    [Fact]
    public async Task Registrations_and_revocations_are_audited_under_the_patient_with_the_registrar_who_made_them()
    {
        await _gateway.RegisterAsync(DeviceA, PatientA);
        await _gateway.RegisterAsync(DeviceA, "patient-b", Readings.Now.AddMinutes(-5));
        await _gateway.RevokeAsync(DeviceA, "reported lost");

        var audited = _gateway.ReadAll(_topics.Audit)
            .Select(r => (r.Message.Key, Event: AccessAudited.Parser.ParseFrom(r.Message.Value)))
            .Where(r => r.Event.Action.Contains("DeviceRegistry", StringComparison.Ordinal))
            .ToList();

        Assert.Equal(
            [
                (PatientA, "RegisterDevice", $"device {DeviceA} bound"),
                ("patient-b", "RegisterDevice", $"device {DeviceA} bound, moved from another patient"),
                ("patient-b", "RevokeDevice", $"device {DeviceA} revoked: reported lost"),
            ],
            audited.Select(r => (r.Key, r.Event.Action.Split('/')[^1], r.Event.Detail)));
        Assert.All(audited, r =>
        {
            Assert.Equal((r.Key, AuditOutcome.Allowed, "test-caller"), (r.Event.PatientId, r.Event.Outcome, r.Event.Actor));
            Assert.Contains(Roles.Registrar, r.Event.Roles);
        });
    }

    private async Task RestartAsync()
    {
        await _gateway.DisposeAsync();
        _gateway = await GatewayServer.StartAsync(_kafka, _topics, _clock, restart: true);
    }

    /// <summary>A credential of the right shape for <paramref name="device"/> with a secret the Gateway never issued.</summary>
    private static string Forge(string device, byte[] secret) =>
        $"vtd1.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(device))}.{Base64Url.EncodeToString(secret)}";

    private static byte[] SecretOf(string credential) => Base64Url.DecodeFromChars(credential.Split('.')[2]);

    /// <summary>A registrar token signed by a key the Gateway does not trust.</summary>
    private static string ForgedToken()
    {
        using var impostor = new LocalTokenIssuer();
        return impostor.Mint("impostor", [Roles.Registrar], lifetime: TimeSpan.FromDays(3_650), notBefore: Readings.Now.AddDays(-1));
    }

    private VitalSignReading Reading(string device, string patient, DateTimeOffset? observedAt = null)
    {
        var reading = Readings.HeartRate(70 + (double)(_sequence % 20), observedAt ?? Readings.Now.AddSeconds(-1));
        reading.DeviceId = device;
        reading.PatientId = patient;
        reading.SequenceNumber = ++_sequence;
        return reading;
    }

    private static VitalSignBatch Batch(params VitalSignReading[] readings) => new() { Readings = { readings } };

    private async Task<IngestAck> StreamAsync(Metadata headers, params VitalSignBatch[] batches)
    {
        using var call = Ingestion.IngestStream(headers);
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(batch);
        }
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private async Task<RpcException> StreamOutcomeAsync(Metadata headers, params VitalSignBatch[] batches)
    {
        using var call = Ingestion.IngestStream(headers);
        try
        {
            foreach (var batch in batches)
            {
                await call.RequestStream.WriteAsync(batch);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Refused already; the status follows.
        }
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }

    private List<VitalSignsRecorded> Telemetry() =>
        _gateway.ReadAll(_topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }
}
