using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical.Consent;
using VitalTwin.Consent;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Consent enforced by a running Gateway over real gRPC, with consent records on a consent topic of three partitions
/// in the embedded Kafka, published as ConsentRegistry publishes them: readings of a patient without monitoring
/// consent are refused NO_CONSENT on the ack and reach neither the telemetry nor the rejected topic.
/// </summary>
public sealed class ConsentEnforcementTests : IAsyncLifetime
{
    private const string Consenting = "patient-consenting";
    private const string Refusing = "patient-refusing";
    private const string ConsentingDevice = "monitor-consenting";
    private const string RefusingDevice = "monitor-refusing";
    private const int ConsentPartitions = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private IProducer<string, byte[]> _consentProducer = null!;
    private GatewayServer? _gateway;
    private ulong _sequence;

    private GatewayServer Gateway => _gateway ?? throw new InvalidOperationException("The Gateway is not started.");

    private VitalSignIngestion.VitalSignIngestionClient Ingestion => new(Gateway.Channel);

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _topics.Consent = $"test-consent-{Guid.NewGuid():N}";
        _kafka.CreateTopic(new TopicSpec(_topics.Consent, ConsentPartitions, Compacted: true));
        _consentProducer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers, EnableIdempotence = true }).Build();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        _consentProducer.Dispose();
        _kafka.Dispose();
    }

    [Fact]
    public async Task Readings_of_a_patient_who_refused_are_refused_no_consent_and_stored_nowhere_while_another_patients_pass()
    {
        await StartGatewayAsync();
        await RecordLiveAsync(Refusing, ConsentState.Refused);
        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        var refusing = GatewayServer.Device(await Gateway.RegisterAsync(RefusingDevice, Refusing));
        var consenting = GatewayServer.Device(await Gateway.RegisterAsync(ConsentingDevice, Consenting));

        var refusedAck = await Ingestion.IngestAsync(Batch(
            Reading(RefusingDevice, Refusing),
            // Out of range as well: still not kept on the rejected topic, where it would be the patient's data.
            Reading(RefusingDevice, Refusing, value: 900)), refusing);
        var passed = Reading(ConsentingDevice, Consenting);
        // Names the refusing patient from another patient's device: refused as a mismatch, and not kept either.
        var naming = Reading(ConsentingDevice, Refusing);
        var mismatched = Reading(ConsentingDevice, "patient-without-record", value: 900);
        var consentingAck = await Ingestion.IngestAsync(Batch(passed, naming, mismatched), consenting);

        Assert.Equal((0u, 2u), (refusedAck.Accepted, refusedAck.Rejected));
        Assert.All(refusedAck.Rejections, r => Assert.Equal(RejectionReason.NoConsent, r.Reason));
        Assert.Equal([0u, 1u], refusedAck.Rejections.Select(r => r.Index));
        Assert.All(refusedAck.Rejections, r => Assert.DoesNotContain(Refusing, r.Detail, StringComparison.Ordinal));
        Assert.Equal((1u, 2u), (consentingAck.Accepted, consentingAck.Rejected));
        Assert.Equal(
            [(1u, RejectionReason.DevicePatientMismatch), (2u, RejectionReason.DevicePatientMismatch)],
            consentingAck.Rejections.Select(r => (r.Index, r.Reason)));
        Assert.Equal([(Consenting, passed.SequenceNumber)], Telemetry().Select(r => (r.Reading.PatientId, r.Reading.SequenceNumber)));
        // Only the mismatch naming a patient who has no record (monitored by default) is kept.
        var kept = Assert.Single(Gateway.ReadAll(_topics.TelemetryRejected));
        Assert.Equal("patient-without-record", kept.Message.Key);
        Assert.DoesNotContain(Gateway.ReadAll(_topics.Telemetry).Concat(Gateway.ReadAll(_topics.TelemetryRejected)), r => r.Message.Key == Refusing);
        Assert.DoesNotContain(Gateway.Log, line => line.Contains(Refusing, StringComparison.Ordinal) || line.Contains(RefusingDevice, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_withdrawal_recorded_while_a_device_streams_refuses_its_later_readings()
    {
        await StartGatewayAsync();
        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        var credential = GatewayServer.Device(await Gateway.RegisterAsync(ConsentingDevice, Consenting));
        using var telemetry = new TopicTail(_kafka.BootstrapServers, _topics.Telemetry);
        using var call = Ingestion.IngestStream(credential);
        var before = new[] { Reading(ConsentingDevice, Consenting), Reading(ConsentingDevice, Consenting) };
        await call.RequestStream.WriteAsync(Batch(before));
        // A batch is stored before the next is read: once Kafka has these, the withdrawal comes after them.
        var stored = telemetry.Take(before.Length, Patience);

        await RecordLiveAsync(Consenting, ConsentState.Withdrawn);
        var after = new[] { Reading(ConsentingDevice, Consenting), Reading(ConsentingDevice, Consenting) };
        await call.RequestStream.WriteAsync(Batch(after));
        await call.RequestStream.CompleteAsync();
        var ack = await call.ResponseAsync;

        Assert.Equal(before.Select(r => r.SequenceNumber), stored.Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value).Reading.SequenceNumber));
        Assert.Equal((2u, 2u), (ack.Accepted, ack.Rejected));
        Assert.Equal(
            after.Select((r, i) => ((uint)(before.Length + i), r.SequenceNumber, RejectionReason.NoConsent)),
            ack.Rejections.Select(r => (r.Index, r.SequenceNumber, r.Reason)));
        Assert.Equal(before.Select(r => r.SequenceNumber), Telemetry().Select(r => r.Reading.SequenceNumber));
        Assert.Empty(Gateway.ReadAll(_topics.TelemetryRejected));
    }

    [Fact]
    public async Task Consent_given_again_after_a_withdrawal_lets_readings_through_again()
    {
        await StartGatewayAsync();
        var credential = GatewayServer.Device(await Gateway.RegisterAsync(ConsentingDevice, Consenting));
        await RecordLiveAsync(Consenting, ConsentState.Withdrawn);
        var refused = await Ingestion.IngestAsync(Batch(Reading(ConsentingDevice, Consenting)), credential);

        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        var back = Reading(ConsentingDevice, Consenting);
        var accepted = await Ingestion.IngestAsync(Batch(back), credential);

        Assert.Equal(RejectionReason.NoConsent, Assert.Single(refused.Rejections).Reason);
        Assert.Equal((1u, 0u), (accepted.Accepted, accepted.Rejected));
        Assert.Equal([back.SequenceNumber], Telemetry().Select(r => r.Reading.SequenceNumber));
    }

    [Fact]
    public async Task A_withdrawal_unbinds_the_patients_devices_with_a_tombstone_so_no_binding_names_them_for_ever()
    {
        await StartGatewayAsync();
        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        var withdrawing = GatewayServer.Device(await Gateway.RegisterAsync(ConsentingDevice, Consenting));
        var staying = GatewayServer.Device(await Gateway.RegisterAsync("monitor-staying", "patient-staying"));
        using var devices = new TopicTail(_kafka.BootstrapServers, _topics.Devices);
        devices.Take(2, Patience);

        await RecordLiveAsync(Consenting, ConsentState.Withdrawn);
        _clock.Advance(new GatewayOptions().DeviceErasureInterval);
        var tombstone = Assert.Single(devices.Take(1, Patience));
        // The compacted devices topic now forgets the binding; a restarted Gateway no longer knows the device.
        await Gateway.DisposeAsync();
        _gateway = await GatewayServer.StartAsync(_kafka, _topics, _clock, host: Settings(nameof(WithoutConsentRecord.Monitor)), restart: true);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Ingestion.IngestAsync(Batch(Reading(ConsentingDevice, Consenting)), withdrawing).ResponseAsync);
        var accepted = await Ingestion.IngestAsync(Batch(Reading("monitor-staying", "patient-staying")), staying);

        Assert.Equal((ConsentingDevice, true), (tombstone.Message.Key, tombstone.Message.Value is null));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal((1u, 0u), (accepted.Accepted, accepted.Rejected));
    }

    [Fact]
    public async Task Under_WithoutRecord_Refuse_only_patients_with_monitoring_consent_are_taken()
    {
        await StartGatewayAsync(WithoutConsentRecord.Refuse);
        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        var consenting = GatewayServer.Device(await Gateway.RegisterAsync(ConsentingDevice, Consenting));
        var unrecorded = GatewayServer.Device(await Gateway.RegisterAsync("monitor-unrecorded", "patient-unrecorded"));

        var passed = Reading(ConsentingDevice, Consenting);
        var consentingAck = await Ingestion.IngestAsync(Batch(passed), consenting);
        var unrecordedAck = await Ingestion.IngestAsync(Batch(Reading("monitor-unrecorded", "patient-unrecorded")), unrecorded);
        // A consenting patient's refused reading is still kept on the rejected topic.
        var outOfRange = Reading(ConsentingDevice, Consenting, value: 900);
        var outOfRangeAck = await Ingestion.IngestAsync(Batch(outOfRange), consenting);

        Assert.Equal(WithoutConsentRecord.Refuse, Gateway.Services.GetRequiredService<ConsentBook>().WithoutRecord);
        Assert.Equal((1u, 0u), (consentingAck.Accepted, consentingAck.Rejected));
        Assert.Equal(RejectionReason.NoConsent, Assert.Single(unrecordedAck.Rejections).Reason);
        Assert.Equal(RejectionReason.OutOfRange, Assert.Single(outOfRangeAck.Rejections).Reason);
        Assert.Equal([passed.SequenceNumber], Telemetry().Select(r => r.Reading.SequenceNumber));
        var kept = Assert.Single(Gateway.ReadAll(_topics.TelemetryRejected));
        Assert.Equal(outOfRange.SequenceNumber, ReadingRejected.Parser.ParseFrom(kept.Message.Value).Reading.SequenceNumber);
    }

    [Fact]
    public async Task A_gateway_started_after_consents_were_recorded_knows_them_from_every_partition()
    {
        // Enough patients that the consent topic's three partitions all hold some.
        var patients = Enumerable.Range(0, 12).Select(i => $"patient-{i:D2}").ToList();
        var partitionsUsed = new HashSet<int>();
        foreach (var (patient, i) in patients.Select((p, i) => (p, i)))
        {
            partitionsUsed.Add((await PublishAsync(Recorded(patient, i % 2 == 0 ? ConsentState.Refused : ConsentState.Monitoring))).Partition.Value);
        }
        // The latest record of a patient is what counts: withdrawn, then given again.
        await PublishAsync(Recorded("patient-returning", ConsentState.Withdrawn));
        await PublishAsync(Recorded("patient-returning", ConsentState.Monitoring));
        // A record that cannot be read might have been a refusal: the patient is not monitored.
        await PublishAsync(Recorded("patient-unreadable", ConsentState.Monitoring), value: [0xFF, 0xFF, 0xFF]);
        // A record whose key is not its patient breaks the contract in the same way.
        await PublishAsync(Recorded("patient-elsewhere", ConsentState.Monitoring), key: "patient-miskeyed");

        await StartGatewayAsync();
        var book = Gateway.Services.GetRequiredService<ConsentBook>();
        var devices = new Dictionary<string, Grpc.Core.Metadata>();
        foreach (var patient in patients.Append("patient-returning").Append("patient-unreadable").Append("patient-miskeyed"))
        {
            devices[patient] = GatewayServer.Device(await Gateway.RegisterAsync($"monitor-of-{patient}", patient));
        }
        var outcomes = new Dictionary<string, RejectionReason>();
        foreach (var (patient, credential) in devices)
        {
            var ack = await Ingestion.IngestAsync(Batch(Reading($"monitor-of-{patient}", patient)), credential);
            outcomes[patient] = ack.Rejections.SingleOrDefault()?.Reason ?? RejectionReason.Unspecified;
        }

        Assert.Equal(ConsentPartitions, partitionsUsed.Count);
        Assert.Equal(patients.Count + 3, book.Count);
        Assert.All(patients.Select((p, i) => (p, i)), entry =>
            Assert.Equal(entry.i % 2 == 0 ? RejectionReason.NoConsent : RejectionReason.Unspecified, outcomes[entry.p]));
        Assert.Equal(RejectionReason.Unspecified, outcomes["patient-returning"]);
        Assert.Equal(RejectionReason.NoConsent, outcomes["patient-unreadable"]);
        Assert.Equal(RejectionReason.NoConsent, outcomes["patient-miskeyed"]);
        Assert.Equal(ConsentStatus.Unreadable, book.Find("patient-unreadable")?.Status);
        Assert.Equal(patients.Count / 2 + 1, Telemetry().Count);
        Assert.Empty(Gateway.ReadAll(_topics.TelemetryRejected));
    }

    [Fact]
    public async Task A_deleted_consent_record_does_not_undo_a_withdrawal_but_leaves_a_monitoring_patient_to_the_default()
    {
        await StartGatewayAsync();
        var credential = GatewayServer.Device(await Gateway.RegisterAsync(ConsentingDevice, Consenting));
        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        await RecordLiveAsync(Consenting, ConsentState.Withdrawn);

        // A tombstone carries no message id to wait on; a record published after it on its partition comes back only
        // once the tombstone has been applied.
        var tombstone = await _consentProducer.ProduceAsync(_topics.Consent, new Message<string, byte[]> { Key = Consenting, Value = null! });
        await RecordLiveAsync("patient-neighbour", ConsentState.Monitoring, tombstone.Partition);
        var afterDeletion = await Ingestion.IngestAsync(Batch(Reading(ConsentingDevice, Consenting)), credential);

        Assert.Equal(RejectionReason.NoConsent, Assert.Single(afterDeletion.Rejections).Reason);
        Assert.Equal(ConsentStatus.Withdrawn, Gateway.Services.GetRequiredService<ConsentBook>().Find(Consenting)?.Status);

        // Consent given again, then its record deleted: the deployment's default (Monitor here) decides.
        await RecordLiveAsync(Consenting, ConsentState.Monitoring);
        tombstone = await _consentProducer.ProduceAsync(_topics.Consent, new Message<string, byte[]> { Key = Consenting, Value = null! });
        await RecordLiveAsync("patient-neighbour", ConsentState.Monitoring, tombstone.Partition);
        var accepted = await Ingestion.IngestAsync(Batch(Reading(ConsentingDevice, Consenting)), credential);

        Assert.Equal((1u, 0u), (accepted.Accepted, accepted.Rejected));
        Assert.Null(Gateway.Services.GetRequiredService<ConsentBook>().Find(Consenting));
    }

    [Theory]
    [InlineData("Sometimes")]
    [InlineData("7")]
    public async Task A_gateway_with_an_unknown_WithoutRecord_does_not_start(string withoutRecord)
    {
        var topics = GatewayServer.NewTopics();
        topics.Consent = _topics.Consent;
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => GatewayServer.StartAsync(_kafka, topics, _clock, host: Settings(withoutRecord)));

        Assert.Contains("WithoutRecord", failure.ToString(), StringComparison.Ordinal);
    }

    private async Task StartGatewayAsync(WithoutConsentRecord withoutRecord = WithoutConsentRecord.Monitor) =>
        _gateway = await GatewayServer.StartAsync(_kafka, _topics, _clock, host: Settings(withoutRecord.ToString()));

    private Dictionary<string, string?> Settings(string withoutRecord) => new()
    {
        ["Kafka:Topics:Consent"] = _topics.Consent,
        ["Consent:WithoutRecord"] = withoutRecord,
    };

    /// <summary>Publishes a consent record while the Gateway runs, and returns once the Gateway has applied it.</summary>
    private async Task RecordLiveAsync(string patientId, ConsentState state, Partition? partition = null)
    {
        var recorded = Recorded(patientId, state);
        var messageId = Guid.NewGuid().ToString("N");
        using var patience = new CancellationTokenSource(Patience);
        var applied = Gateway.Services.GetRequiredService<ConsentFollower>().WhenApplied(messageId, patience.Token);
        await PublishAsync(recorded, messageId: messageId, partition: partition);
        await applied;
    }

    private ConsentRecorded Recorded(string patientId, ConsentState state) => new()
    {
        PatientId = patientId,
        State = state,
        RecordedAt = Timestamp.FromDateTimeOffset(_clock.GetUtcNow().AddMinutes(-1)),
        RecordedBy = "registrar-1",
        Reference = "consent-form-17",
    };

    /// <summary>As EventProducer publishes: keyed by patient id, with the schema and message-id headers.</summary>
    private Task<DeliveryResult<string, byte[]>> PublishAsync(
        ConsentRecorded recorded, string? messageId = null, string? key = null, byte[]? value = null, Partition? partition = null) =>
        _consentProducer.ProduceAsync(new TopicPartition(_topics.Consent, partition ?? Partition.Any), new Message<string, byte[]>
        {
            Key = key ?? recorded.PatientId,
            Value = value ?? recorded.ToByteArray(),
            Headers = new Headers
            {
                { EventHeaders.ContentType, Encoding.UTF8.GetBytes(EventHeaders.ProtobufContentType) },
                { EventHeaders.Schema, Encoding.UTF8.GetBytes(ConsentRecorded.Descriptor.FullName) },
                { EventHeaders.MessageId, Encoding.UTF8.GetBytes(messageId ?? Guid.NewGuid().ToString("N")) },
            },
        });

    private VitalSignReading Reading(string deviceId, string patientId, double value = 72, DateTimeOffset? observedAt = null)
    {
        var reading = Readings.HeartRate(value, observedAt);
        reading.DeviceId = deviceId;
        reading.PatientId = patientId;
        reading.SequenceNumber = ++_sequence;
        return reading;
    }

    private static VitalSignBatch Batch(params VitalSignReading[] readings)
    {
        var batch = new VitalSignBatch();
        batch.Readings.Add(readings);
        return batch;
    }

    private List<VitalSignsRecorded> Telemetry() =>
        Gateway.ReadAll(_topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();

    /// <summary>Reads a one-partition topic from its start as records arrive.</summary>
    private sealed class TopicTail : IDisposable
    {
        private readonly IConsumer<string, byte[]> _consumer;

        public TopicTail(string bootstrapServers, string topic)
        {
            _consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = $"test-tail-{Guid.NewGuid():N}",
                EnableAutoCommit = false,
                FetchWaitMaxMs = 10,
            }).Build();
            _consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        }

        /// <summary>The next <paramref name="count"/> records; fails when they do not all arrive within <paramref name="timeout"/>.</summary>
        public List<ConsumeResult<string, byte[]>> Take(int count, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            var records = new List<ConsumeResult<string, byte[]>>();
            while (records.Count < count)
            {
                if (_consumer.Consume(deadline.Token) is { Message: not null } record)
                {
                    records.Add(record);
                }
            }
            return records;
        }

        public void Dispose() => _consumer.Close();
    }
}
