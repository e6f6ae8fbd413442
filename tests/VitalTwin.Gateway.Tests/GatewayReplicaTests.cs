using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Grpc.Core;
using Metadata = Grpc.Core.Metadata;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Devices;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Two Gateway instances over real gRPC sharing one embedded Kafka, as replicas behind one address do: a registration,
/// revocation, new credential or erasure (a tombstone) made on either holds on the other while both run, because each
/// follows the devices topic. A change made on one instance and read back never undoes a newer one.
/// </summary>
public sealed class GatewayReplicaTests : IAsyncLifetime
{
    private const string Patient = "patient-a";
    private const string Device = "monitor-a";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _a = null!;
    private GatewayServer _b = null!;
    private readonly List<ulong> _accepted = [];
    private ulong _sequence;

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _a = await GatewayServer.StartAsync(_kafka, _topics, _clock);
        _b = await GatewayServer.StartAsync(_kafka, _topics, _clock, restart: true);
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task A_registration_revocation_or_new_credential_made_on_one_gateway_holds_on_the_other_while_both_run()
    {
        var first = GatewayServer.Device(await _a.RegisterAsync(Device, Patient));
        await UntilAsync(async () => await IngestAsync(_b, first) == StatusCode.OK);

        await _b.RevokeAsync(Device);
        await UntilAsync(async () => await IngestAsync(_a, first) == StatusCode.Unauthenticated);

        var renewed = GatewayServer.Device(await _a.RegisterAsync(Device, Patient));
        await UntilAsync(async () => await IngestAsync(_b, renewed) == StatusCode.OK);
        var oldOnB = await IngestAsync(_b, first);
        var oldOnA = await IngestAsync(_a, first);

        Assert.Equal((StatusCode.Unauthenticated, StatusCode.Unauthenticated), (oldOnB, oldOnA));
        // Whichever instance took them, exactly the readings acknowledged were stored, under the device's patient.
        Assert.Equal(
            _accepted.Select(sequence => (Patient, sequence)).Order(),
            _a.ReadAll(_topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value).Reading).Select(r => (r.PatientId, r.SequenceNumber)).Order());
    }

    [Fact]
    public async Task A_tombstone_on_the_devices_topic_unbinds_the_device_on_every_instance_while_both_run()
    {
        var credential = GatewayServer.Device(await _a.RegisterAsync(Device, Patient));
        await UntilAsync(async () => await IngestAsync(_b, credential) == StatusCode.OK);

        // As the instance that saw the patient's consent end writes it (ErasedPatientDevices).
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(_topics.Devices, new Message<string, byte[]> { Key = Device, Value = null! });
        }
        await UntilAsync(async () => await IngestAsync(_a, credential) == StatusCode.Unauthenticated);
        await UntilAsync(async () => await IngestAsync(_b, credential) == StatusCode.Unauthenticated);

        var revocation = await new DeviceRegistry.DeviceRegistryClient(_b.Channel).RevokeDeviceAsync(new RevokeDeviceRequest { DeviceId = Device }, _b.Registrar);
        Assert.False(revocation.WasRegistered);
    }

    [Fact]
    public void A_change_read_back_from_the_topic_after_a_newer_one_was_applied_here_changes_nothing()
    {
        var bindings = new DeviceBindings();
        var credentials = new DeviceCredentials();
        var records = new DeviceRecords(bindings, credentials);
        var (_, oldHash) = DeviceCredential.Issue(Device);
        var (_, newHash) = DeviceCredential.Issue(Device);
        var registered = Bound("patient-b", oldHash);

        // Made here, in this order: registered, revoked, registered again with a new key, erased.
        Assert.True(records.Bound(registered, At(0)));
        Assert.True(records.Revoked(Device, At(1)));
        var revokedReadBack = new[] { records.Apply(Record(registered, 0)) };
        var standingAfterRevocation = credentials.Check(Device, oldHash);
        Assert.True(records.Bound(Bound(Patient, newHash), At(2)));
        var renewedReadBack = new[] { records.Apply(Record(registered, 0)), records.Apply(Record(new DeviceRevoked { DeviceId = Device }, 1)) };
        var standingAfterRenewal = (credentials.Check(Device, oldHash), credentials.Check(Device, newHash));
        Assert.True(records.Erased(Device, At(3)));
        var erasedReadBack = new[] { records.Apply(Record(Bound(Patient, newHash), 2)), records.Apply(Tombstone(3)) };

        Assert.Equal([false], revokedReadBack);
        Assert.Equal(DeviceStanding.Revoked, standingAfterRevocation);
        Assert.Equal([false, false], renewedReadBack);
        Assert.Equal((DeviceStanding.WrongCredential, DeviceStanding.Allowed), standingAfterRenewal);
        Assert.Equal([false, false], erasedReadBack);
        Assert.Equal(DeviceStanding.Unknown, credentials.Check(Device, newHash));
        Assert.Empty(bindings.BindingsOf(Device));
        // A record of another instance, newer than anything applied here, still applies.
        Assert.True(records.Apply(Record(Bound(Patient, newHash), 4)));
        Assert.Equal(DeviceStanding.Allowed, credentials.Check(Device, newHash));
    }

    private static DeviceBound Bound(string patient, byte[] secretHash) => new()
    {
        DeviceId = Device,
        PatientId = patient,
        BoundFrom = Timestamp.FromDateTimeOffset(Readings.Now.AddHours(-1)),
        CredentialSha256 = ByteString.CopyFrom(secretHash),
    };

    private TopicPartitionOffset At(long offset) => new(_topics.Devices, 0, offset);

    /// <summary>The record as the follower reads it back: keyed by the device, with the schema header.</summary>
    private ConsumedEvent Record(IMessage message, long offset) => Read(message.ToByteArray(), new Headers
    {
        { EventHeaders.Schema, Encoding.UTF8.GetBytes(message.Descriptor.FullName) },
    }, offset);

    private ConsumedEvent Tombstone(long offset) => Read(null, [], offset);

    private ConsumedEvent Read(byte[]? value, Headers headers, long offset) => new(new ConsumeResult<string, byte[]>
    {
        TopicPartitionOffset = At(offset),
        Message = new Message<string, byte[]> { Key = Device, Value = value!, Headers = headers },
    });

    /// <summary>The status of one reading sent to <paramref name="gateway"/> by the device whose call headers are <paramref name="device"/>.</summary>
    private async Task<StatusCode> IngestAsync(GatewayServer gateway, Metadata device)
    {
        var reading = Readings.HeartRate(72, _clock.GetUtcNow().AddSeconds(-1));
        reading.DeviceId = Device;
        reading.PatientId = Patient;
        reading.SequenceNumber = ++_sequence;
        try
        {
            var ack = await new VitalSignIngestion.VitalSignIngestionClient(gateway.Channel).IngestAsync(new VitalSignBatch { Readings = { reading } }, device);
            Assert.Equal((1u, 0u), (ack.Accepted, ack.Rejected));
            _accepted.Add(reading.SequenceNumber);
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after <see cref="Patience"/>, far beyond the second it should take.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < Patience, "The other instance did not follow the change.");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
