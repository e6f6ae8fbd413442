using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// The running system fed seeded hostile input where it listens: records no VitalTwin producer would write, put
/// straight on the topics its consumers read, and malformed TwinQuery and AlertDesk requests. Each record is
/// dead-lettered with a reason (or skipped, when it is not a consumer's), each request gets a clear status, the
/// consumers and services go on, and a control patient's twin, history and alerts are what its device alone made.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class HostileInputTests(SystemFixture system, ITestOutputHelper output)
{
    private const string FuzzHeader = "fuzz-id";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly string[] RecordKinds =
    [
        "Valid", "UnknownSchema", "MisplacedSchema", "UnknownVital",
        "CorruptPayload", "TruncatedPayload", "Tombstone", "EmptyPayload", "MissingSchema", "NullKey", "EmptyKey",
        "KeyedByControlPayloadOfAnother", "KeyedByAnotherPayloadOfControl", "MissingEventId", "NotFinite", "Implausible",
        "YearOne", "Year9999", "UnrepresentableTime", "MissingTime",
    ];

    private static readonly string[] Skipped = ["Valid", "UnknownSchema", "MisplacedSchema", "UnknownVital"];

    private readonly VitalSignIngestion.VitalSignIngestionClient _ingestion = new(system.Channel("Gateway"));
    private readonly DeviceRegistry.DeviceRegistryClient _devices = new(system.Channel("Gateway"));
    private readonly TwinQuery.TwinQueryClient _twins = new(system.Channel("TwinState"));
    private readonly AlertDesk.AlertDeskClient _desk = new(system.Channel("Notification"));

    private KafkaTopics Topics => system.Cluster.Topics;

    private string BootstrapServers => system.Cluster.Kafka.BootstrapServers;

    [Fact]
    public async Task Corrupt_and_implausible_records_on_every_consumed_topic_are_dead_lettered_or_skipped_and_the_control_patients_twin_is_what_its_device_made()
    {
        var seed = Seed(20_250_605);
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var control = Readings.ForNewPatient("hostile");
        await control.RegisterAsync(_devices);
        var sent = new List<VitalSignBatch> { control.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 121, temperature: 36.8) };
        await _ingestion.IngestAsync(sent[0], control.Credential);
        await _twins.WaitForTwinAsync(control.PatientId, t => t.ReadingsApplied == 5, Timeout);
        using var deadLetters = new DeadLetterWatcher(BootstrapServers, Topics.DeadLetter, run);
        var groups = new Dictionary<string, int> { [Topics.Telemetry] = 2, [Topics.Anomalies] = 2, [Topics.TwinEvents] = 1 };
        var expected = new Dictionary<string, (string Topic, string Kind, int DeadLetters)>();
        var records = new Dictionary<string, Message<string, byte[]>>();
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);

        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = BootstrapServers, EnableIdempotence = true }).Build())
        {
            var topics = groups.Keys.ToArray();
            for (var i = 0; i < 300; i++)
            {
                var topic = topics[i % topics.Length];
                var kind = RecordKinds[random.Next(RecordKinds.Length)];
                var id = $"{run}-{i}";
                var record = Hostile(topic, kind, id, control.PatientId, random);
                records[id] = record;
                await producer.ProduceAsync(topic, record);
                expected[id] = (topic, kind, Skipped.Contains(kind) ? 0 : groups[topic]);
                tally[$"{ShortName(topic)} {kind}"] = tally.GetValueOrDefault($"{ShortName(topic)} {kind}") + 1;
            }
            // Last on the control patient's partition of each topic: once these are dead-lettered, every record before them was handled.
            foreach (var topic in topics)
            {
                var id = $"{run}-last-{ShortName(topic)}";
                await producer.ProduceAsync(topic, Hostile(topic, "CorruptPayload", id, control.PatientId, random));
                expected[id] = (topic, "CorruptPayload", groups[topic]);
            }
        }

        var sentinels = expected.Where(e => e.Key.Contains("-last-", StringComparison.Ordinal)).ToList();
        var received = await deadLetters.WaitForAsync(
            letters => letters.Values.Sum(l => l.Count) >= expected.Values.Sum(e => e.DeadLetters)
                && sentinels.All(s => letters.TryGetValue(s.Key, out var l) && l.Count == s.Value.DeadLetters),
            Timeout);
        sent.Add(control.Vitals(heartRate: 75, spo2: 96, respiratoryRate: 15, systolic: 118, temperature: 37.0));
        await _ingestion.IngestAsync(sent[1], control.Credential);
        var twin = await _twins.WaitForTwinAsync(control.PatientId, t => t.ReadingsApplied == 10, Timeout);
        // History is written in batches, so it may trail the twin for a moment.
        var history = await Polling.UntilAsync(
            token => _twins.GetVitalHistoryAsync(new GetVitalHistoryRequest { PatientId = control.PatientId, From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)) }, cancellationToken: token).ResponseAsync,
            h => h.Series.Sum(s => s.Points.Count) >= 10,
            Timeout);

        output.WriteLine($"Hostile records: {expected.Count}, seed {seed} (set VITALTWIN_FUZZ_SEED to replay another); dead letters {received.Values.Sum(d => d.Count)}");
        foreach (var (kind, count) in tally)
        {
            output.WriteLine($"  {kind,-44} {count,4}");
        }
        foreach (var reason in received.Values.SelectMany(d => d).GroupBy(d => (ShortName(d.SourceTopic), d.Reason)).OrderBy(g => g.Key))
        {
            output.WriteLine($"  dead-lettered from {reason.Key.Item1} as {reason.Key.Reason}: {reason.Count()}");
        }
        Assert.All(expected, e =>
        {
            var letters = received.GetValueOrDefault(e.Key) ?? [];
            if (e.Value.DeadLetters != letters.Count)
            {
                Assert.Fail($"{e.Value.Kind} on {e.Value.Topic}: {letters.Count} dead letters, {e.Value.DeadLetters} expected; {Describe(records.GetValueOrDefault(e.Key))}");
            }
            Assert.All(letters, l => Assert.Equal(e.Value.Topic, l.SourceTopic));
            Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        });
        Assert.Equal(10ul, twin.ReadingsApplied);
        Assert.Equal(0u, twin.AnomaliesSeen);
        Assert.Empty(twin.OpenAnomalies);
        Assert.Equal(
            sent[1].Readings.Select(r => (r.Code.Loinc, r.Value)).Order(),
            twin.Vitals.Select(v => (v.Code.Loinc, v.Value)).Order());
        Assert.Equal(
            sent.SelectMany(b => b.Readings).Select(r => (r.Code.Loinc, r.Value)).Order(),
            history.Series.SelectMany(s => s.Points.Select(p => (s.Code.Loinc, p.Mean))).Order());
        Assert.DoesNotContain(ReadToEnd(Topics.Alerts), a => a.Message.Key == control.PatientId);
        Assert.DoesNotContain(system.Output, line => line.Contains(control.PatientId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_twin_query_and_alert_desk_requests_get_a_clear_status_and_both_services_keep_serving()
    {
        var seed = Seed(20_250_606);
        var random = new Random(seed);
        var control = Readings.ForNewPatient("hostile-query");
        await control.RegisterAsync(_devices);
        await _ingestion.IngestAsync(control.Vitals(heartRate: 70, spo2: 98, respiratoryRate: 13, systolic: 125, temperature: 36.6), control.Credential);
        var before = await _twins.WaitForTwinAsync(control.PatientId, t => t.ReadingsApplied == 5, Timeout);
        var invoker = system.Channel("TwinState").CreateCallInvoker();
        var deskInvoker = system.Channel("Notification").CreateCallInvoker();
        var tally = new SortedDictionary<string, SortedDictionary<StatusCode, int>>(StringComparer.Ordinal);
        string[] methods =
        [
            "GetTwin", "ListTwins", "WatchTwins", "GetVitalHistory", "SetPatientContext", "AcknowledgeAnomaly",
            "ListAlerts", "WatchAlerts", "Acknowledge", "Silence", "Resolve", "Raw",
        ];

        for (var call = 0; call < 400; call++)
        {
            var method = methods[random.Next(methods.Length)];
            var label = method;
            StatusCode outcome;
            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                switch (method)
                {
                    case "GetTwin":
                        await _twins.GetTwinAsync(new GetTwinRequest { PatientId = Text(random) }, cancellationToken: deadline.Token);
                        break;
                    case "ListTwins":
                        await _twins.ListTwinsAsync(new ListTwinsRequest { PageSize = Number(random), PageToken = Token(random), Ward = Text(random), MinNews2 = Number(random), WithOpenAnomalies = random.Next(2) == 0 }, cancellationToken: deadline.Token);
                        break;
                    case "WatchTwins":
                        var twinWatch = new WatchTwinsRequest { Ward = Text(random), MinNews2 = Number(random) };
                        twinWatch.PatientIds.Add(random.Next(3) == 0 ? Enumerable.Range(0, random.Next(1_000, 3_000)).Select(i => $"p{i}") : Enumerable.Range(0, random.Next(0, 4)).Select(_ => Text(random)));
                        using (var watch = _twins.WatchTwins(twinWatch, deadline: DateTime.UtcNow.AddMilliseconds(200)))
                        {
                            await FirstOfAsync(watch.ResponseStream);
                        }
                        break;
                    case "GetVitalHistory":
                        var query = new GetVitalHistoryRequest { PatientId = random.Next(3) == 0 ? control.PatientId : Text(random), From = Time(random), To = Time(random), AggregationWindow = Span(random) };
                        query.LoincCodes.Add(random.Next(4) == 0 ? Enumerable.Range(0, random.Next(100, 20_000)).Select(i => $"{i}-0") : Enumerable.Range(0, random.Next(0, 3)).Select(_ => Text(random)));
                        await _twins.GetVitalHistoryAsync(query, cancellationToken: deadline.Token);
                        break;
                    case "SetPatientContext":
                        // Aimed at the control patient only with a request that must be refused: the context is missing.
                        var toControl = random.Next(2) == 0;
                        await _twins.SetPatientContextAsync(new SetPatientContextRequest
                        {
                            PatientId = toControl ? control.PatientId : Text(random),
                            Context = toControl || random.Next(4) == 0 ? null : new PatientContext { Ward = Text(random), Bed = Text(random), Consciousness = (Consciousness)random.Next(-3, 10), Spo2Scale = (SpO2Scale)random.Next(-3, 10) },
                            RecordedBy = Text(random),
                            Reason = Text(random),
                        }, cancellationToken: deadline.Token);
                        break;
                    case "AcknowledgeAnomaly":
                        await _twins.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = Text(random), AnomalyId = Text(random), AcknowledgedBy = Text(random) }, cancellationToken: deadline.Token);
                        break;
                    case "ListAlerts":
                        var filter = new AlertFilter { PatientId = Text(random), MinPriority = (AlertPriority)random.Next(-2, 9) };
                        filter.States.Add(Enumerable.Range(0, random.Next(0, 4)).Select(_ => (AlertState)random.Next(-2, 12)));
                        await _desk.ListAlertsAsync(new ListAlertsRequest { Filter = random.Next(4) == 0 ? null : filter, PageSize = Number(random), PageToken = Token(random) }, cancellationToken: deadline.Token);
                        break;
                    case "WatchAlerts":
                        using (var watch = _desk.WatchAlerts(new WatchAlertsRequest { Filter = new AlertFilter { PatientId = Text(random) } }, deadline: DateTime.UtcNow.AddMilliseconds(200)))
                        {
                            await FirstOfAsync(watch.ResponseStream);
                        }
                        break;
                    case "Acknowledge":
                        await _desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = AlertId(random), Actor = Text(random), Note = Text(random) }, cancellationToken: deadline.Token);
                        break;
                    case "Silence":
                        await _desk.SilenceAsync(new SilenceAlertRequest { AlertId = AlertId(random), Actor = Text(random), Duration = Span(random), Reason = Text(random) }, cancellationToken: deadline.Token);
                        break;
                    case "Resolve":
                        await _desk.ResolveAsync(new ResolveAlertRequest { AlertId = AlertId(random), Actor = Text(random), Note = Text(random) }, cancellationToken: deadline.Token);
                        break;
                    default:
                        (string Service, string Name, CallInvoker Invoker)[] targets =
                        [
                            (TwinQuery.Descriptor.FullName, "GetTwin", invoker), (TwinQuery.Descriptor.FullName, "ListTwins", invoker),
                            (TwinQuery.Descriptor.FullName, "GetVitalHistory", invoker), (TwinQuery.Descriptor.FullName, "SetPatientContext", invoker),
                            (TwinQuery.Descriptor.FullName, "AcknowledgeAnomaly", invoker), (AlertDesk.Descriptor.FullName, "ListAlerts", deskInvoker),
                            (AlertDesk.Descriptor.FullName, "Acknowledge", deskInvoker), (AlertDesk.Descriptor.FullName, "Silence", deskInvoker),
                            (AlertDesk.Descriptor.FullName, "Resolve", deskInvoker),
                        ];
                        var target = targets[random.Next(targets.Length)];
                        label = $"Raw {target.Name}";
                        var raw = new Method<byte[], byte[]>(MethodType.Unary, target.Service, target.Name, RawBytes, RawBytes);
                        await target.Invoker.AsyncUnaryCall(raw, null, new CallOptions(cancellationToken: deadline.Token), Garbage(random));
                        break;
                }
                outcome = StatusCode.OK;
            }
            catch (RpcException ex)
            {
                outcome = ex.StatusCode;
                // A watch runs until the caller's deadline ends it: that is the caller's doing, not a refusal.
                if (!(ex.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled && method.StartsWith("Watch", StringComparison.Ordinal)))
                {
                    Assert.True(
                        ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted,
                        $"{label} answered {ex.StatusCode}: {ex.Status.Detail} (seed {seed}, call {call})");
                    Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail), $"{label} answered {ex.StatusCode} without a detail (seed {seed}, call {call})");
                }
            }
            var byOutcome = tally.TryGetValue(label, out var found) ? found : tally[label] = [];
            byOutcome[outcome] = byOutcome.GetValueOrDefault(outcome) + 1;
        }
        var after = await _twins.GetTwinAsync(new GetTwinRequest { PatientId = control.PatientId });
        await _desk.ListAlertsAsync(new ListAlertsRequest());

        output.WriteLine($"Hostile requests: {tally.Values.Sum(t => t.Values.Sum())}, seed {seed} (set VITALTWIN_FUZZ_SEED to replay another)");
        foreach (var (label, byOutcome) in tally)
        {
            output.WriteLine($"  {label,-28} {byOutcome.Values.Sum(),4}  {string.Join(", ", byOutcome.Select(o => $"{o.Key} {o.Value}"))}");
        }
        Assert.Equal(before.ReadingsApplied, after.ReadingsApplied);
        Assert.Equal(before.Context, after.Context);
    }

    private static string Describe(Message<string, byte[]>? record)
    {
        if (record is null)
        {
            return "no record";
        }
        var schema = record.Headers.TryGetLastBytes(EventHeaders.Schema, out var bytes) ? Encoding.UTF8.GetString(bytes) : "no schema";
        MessageParser? parser = schema switch
        {
            _ when schema == TwinNews2Changed.Descriptor.FullName => TwinNews2Changed.Parser,
            _ when schema == TwinVitalStaleChanged.Descriptor.FullName => TwinVitalStaleChanged.Parser,
            _ when schema == AnomalyDetected.Descriptor.FullName => AnomalyDetected.Parser,
            _ when schema == VitalSignsRecorded.Descriptor.FullName => VitalSignsRecorded.Parser,
            _ => null,
        };
        try
        {
            return $"{schema}: {parser?.ParseFrom(record.Value)}";
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or ArgumentNullException)
        {
            return $"{schema}: not parseable";
        }
    }

    private static int Seed(int standard) => int.TryParse(Environment.GetEnvironmentVariable("VITALTWIN_FUZZ_SEED"), out var chosen) ? chosen : standard;

    private string ShortName(string topic) =>
        topic == Topics.Telemetry ? "telemetry" : topic == Topics.Anomalies ? "anomalies" : topic == Topics.TwinEvents ? "twin-events" : topic;

    /// <summary>One record for <paramref name="topic"/> of the given kind, carrying <paramref name="id"/> in a header the dead letter keeps.</summary>
    private Message<string, byte[]> Hostile(string topic, string kind, string id, string controlPatient, Random random)
    {
        var patient = $"hostile-patient-{random.Next(20)}";
        var now = DateTimeOffset.UtcNow.AddSeconds(-random.Next(1, 600));
        IMessage payload = topic == Topics.Telemetry ? Recorded(patient, id, now)
            : topic == Topics.Anomalies ? Anomaly(patient, id, now)
            : random.Next(2) == 0 ? News2(patient, id, now) : Stale(patient, id, now);
        var key = patient;
        var schema = payload.Descriptor.FullName;
        byte[]? value = null;
        switch (kind)
        {
            case "Valid":
                break;
            case "UnknownSchema":
                key = controlPatient;
                schema = "vitaltwin.telemetry.v9.SomethingNew";
                break;
            case "MisplacedSchema":
                key = controlPatient;
                payload = topic == Topics.TwinEvents ? Anomaly(controlPatient, id, now) : News2(controlPatient, id, now);
                schema = payload.Descriptor.FullName;
                break;
            case "UnknownVital":
                key = controlPatient;
                payload = topic == Topics.Telemetry ? Recorded(controlPatient, id, now, loinc: "0000-0") : Stale(controlPatient, id, now, loinc: "0000-0");
                if (topic == Topics.Anomalies)
                {
                    payload = Anomaly(controlPatient, id, now, loinc: "0000-0");
                }
                schema = payload.Descriptor.FullName;
                break;
            case "CorruptPayload":
                key = controlPatient;
                value = [0x00, .. payload.ToByteArray()];
                break;
            case "TruncatedPayload":
                key = controlPatient;
                var whole = payload.ToByteArray();
                // Cut inside the first field's value (its event id), so its length prefix promises bytes that never come.
                value = whole[..3];
                break;
            case "Tombstone":
                key = controlPatient;
                value = null;
                payload = null!;
                break;
            case "EmptyPayload":
                key = controlPatient;
                value = [];
                break;
            case "MissingSchema":
                key = controlPatient;
                schema = null;
                break;
            case "NullKey":
                key = null;
                break;
            case "EmptyKey":
                key = string.Empty;
                break;
            case "KeyedByControlPayloadOfAnother":
                key = controlPatient;
                break;
            case "KeyedByAnotherPayloadOfControl":
                payload = topic == Topics.Telemetry ? Recorded(controlPatient, id, now) : topic == Topics.Anomalies ? Anomaly(controlPatient, id, now) : News2(controlPatient, id, now);
                schema = payload.Descriptor.FullName;
                break;
            default:
                key = controlPatient;
                payload = Damaged(topic == Topics.Telemetry ? Recorded(controlPatient, id, now) : topic == Topics.Anomalies ? Anomaly(controlPatient, id, now) : random.Next(2) == 0 ? News2(controlPatient, id, now) : Stale(controlPatient, id, now), kind, random);
                schema = payload.Descriptor.FullName;
                break;
        }
        var headers = new Headers { { FuzzHeader, Encoding.UTF8.GetBytes(id) }, { EventHeaders.MessageId, Encoding.UTF8.GetBytes(id) } };
        if (schema is not null)
        {
            headers.Add(EventHeaders.Schema, Encoding.UTF8.GetBytes(schema));
        }
        return new Message<string, byte[]>
        {
            Key = key!,
            Value = kind is "CorruptPayload" or "TruncatedPayload" or "Tombstone" or "EmptyPayload" ? value! : payload.ToByteArray(),
            Headers = headers,
        };
    }

    /// <summary>A well-formed event of the control patient, damaged the way <paramref name="kind"/> says.</summary>
    private static IMessage Damaged(IMessage message, string kind, Random random)
    {
        var year1 = new Timestamp { Seconds = -62_135_596_800 };
        var year9999 = new Timestamp { Seconds = 253_402_300_799 };
        var unrepresentable = new Timestamp { Seconds = long.MaxValue, Nanos = -1 };
        var notFinite = random.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
        Timestamp? Time(Timestamp? valid) => kind switch { "YearOne" => year1, "Year9999" => year9999, "UnrepresentableTime" => unrepresentable, "MissingTime" => null, _ => valid };
        switch (message)
        {
            case VitalSignsRecorded recorded:
                recorded.EventId = kind == "MissingEventId" ? string.Empty : recorded.EventId;
                recorded.Reading.ObservedAt = Time(recorded.Reading.ObservedAt);
                recorded.Reading.Value = kind == "NotFinite" ? notFinite : kind == "Implausible" ? 1e6 : recorded.Reading.Value;
                if (kind == "Implausible" && random.Next(2) == 0)
                {
                    (recorded.Reading.Value, recorded.Reading.Unit) = (72, "{beats}/min");
                }
                break;
            case AnomalyDetected anomaly:
                anomaly.EventId = kind == "MissingEventId" ? string.Empty : anomaly.EventId;
                anomaly.ObservedAt = Time(anomaly.ObservedAt);
                anomaly.Value = kind is "NotFinite" or "Implausible" ? notFinite : anomaly.Value;
                break;
            case TwinNews2Changed changed:
                changed.EventId = kind == "MissingEventId" ? string.Empty : changed.EventId;
                changed.ObservedAt = Time(changed.ObservedAt);
                if (kind == "NotFinite")
                {
                    changed.Vitals.Add(new LatestVital { Code = new VitalCode { Loinc = "8867-4" }, Value = notFinite, Unit = "/min" });
                }
                if (kind == "Implausible")
                {
                    changed.News2 = random.Next(2) == 0 ? null : new News2Score { Total = random.Next(2) == 0 ? 1_000 : -3, Risk = Contracts.Twin.V1.News2Risk.High };
                }
                break;
            case TwinVitalStaleChanged stale:
                stale.EventId = kind == "MissingEventId" ? string.Empty : stale.EventId;
                stale.LastObservedAt = Time(stale.LastObservedAt);
                if (kind is "NotFinite" or "Implausible")
                {
                    stale.AsOf = year9999;
                }
                break;
        }
        return message;
    }

    private static VitalSignsRecorded Recorded(string patient, string id, DateTimeOffset at, string loinc = "8867-4") => new()
    {
        EventId = $"hostile/{id}",
        Reading = new VitalSignReading
        {
            PatientId = patient,
            DeviceId = "hostile-device",
            SequenceNumber = (ulong)at.ToUnixTimeMilliseconds(),
            ObservedAt = Timestamp.FromDateTimeOffset(at),
            Code = new VitalCode { Loinc = loinc },
            Value = 70,
            Unit = "/min",
        },
        ReceivedAt = Timestamp.FromDateTimeOffset(at),
    };

    private static AnomalyDetected Anomaly(string patient, string id, DateTimeOffset at, string loinc = "8867-4") => new()
    {
        EventId = $"hostile/{id}/iid-spike",
        PatientId = patient,
        Code = new VitalCode { Loinc = loinc },
        Value = 150,
        Unit = "/min",
        ObservedAt = Timestamp.FromDateTimeOffset(at),
        Kind = AnomalyKind.Spike,
        Detector = Detector.IidSpike,
        Direction = Direction.Up,
        PValue = 0.001,
        SourceEventId = $"hostile/{id}",
        DeviceId = "hostile-device",
    };

    private static TwinNews2Changed News2(string patient, string id, DateTimeOffset at) => new()
    {
        EventId = $"hostile/{id}/news2",
        PatientId = patient,
        News2 = new News2Score { Total = 1, Risk = Contracts.Twin.V1.News2Risk.Low, Complete = true },
        ObservedAt = Timestamp.FromDateTimeOffset(at),
    };

    private static TwinVitalStaleChanged Stale(string patient, string id, DateTimeOffset at, string loinc = "8867-4") => new()
    {
        EventId = $"hostile/{id}/stale",
        PatientId = patient,
        Code = new VitalCode { Loinc = loinc },
        Stale = false,
        LastObservedAt = Timestamp.FromDateTimeOffset(at),
        AsOf = Timestamp.FromDateTimeOffset(at),
    };

    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes);

    private static byte[] Garbage(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return random.Next(3) switch
        {
            0 => bytes,
            // A length-delimited field 1 announcing far more than follows.
            1 => [0x0a, 0xff, 0xff, 0xff, 0x7f, .. bytes],
            _ => [.. Enumerable.Repeat((byte)0x0b, random.Next(100, 2_000))],
        };
    }

    private static string Text(Random random) => random.Next(8) switch
    {
        0 => string.Empty,
        1 => new string('x', random.Next(1_000, 200_000)),
        2 => "\0\n\u202e🩺\ud800",
        3 => " \t ",
        4 => "../../etc/passwd",
        5 => $"hostile-{random.Next():x}",
        6 => "%s%n{0}",
        _ => new string((char)random.Next(32, 0xd7ff), random.Next(1, 100)),
    };

    private static string Token(Random random) => random.Next(5) switch
    {
        0 => string.Empty,
        1 => Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
        2 => Convert.ToBase64String(new byte[random.Next(1, 5_000)]),
        _ => Text(random),
    };

    private static string AlertId(Random random) => random.Next(3) == 0 ? Guid.NewGuid().ToString() : Text(random);

    private static int Number(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => -1,
        2 => int.MaxValue,
        3 => int.MinValue,
        4 => random.Next(1, 30),
        _ => random.Next(),
    };

    private static Timestamp? Time(Random random) => random.Next(6) switch
    {
        0 => null,
        1 => new Timestamp { Seconds = -62_135_596_800 },
        2 => new Timestamp { Seconds = 253_402_300_799 },
        3 => new Timestamp { Seconds = random.NextInt64(), Nanos = random.Next(-5, 1_000_000_005) },
        _ => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-random.Next(-48, 48))),
    };

    private static Duration? Span(Random random) => random.Next(6) switch
    {
        0 => null,
        1 => new Duration { Seconds = -random.Next(1, 1_000) },
        2 => new Duration { Seconds = long.MaxValue },
        3 => new Duration { Seconds = random.NextInt64(-315_576_000_001, 315_576_000_001), Nanos = random.Next(-1_000_000_000, 1_000_000_000) },
        4 => new Duration { Seconds = 0, Nanos = 1 },
        _ => Duration.FromTimeSpan(TimeSpan.FromMinutes(random.Next(1, 120))),
    };

    private static async Task FirstOfAsync<T>(IAsyncStreamReader<T> stream)
    {
        // A watch sends what matches now and then waits; its deadline ends it.
        for (var read = 0; read < 3 && await stream.MoveNext(CancellationToken.None); read++)
        {
        }
    }

    /// <summary>Every record on <paramref name="topic"/>, from the start to its end as of now, on every partition.</summary>
    private List<ConsumeResult<string, byte[]>> ReadToEnd(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId));
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = $"e2e-hostile-{Guid.NewGuid():N}", EnableAutoCommit = false }).Build();
        var records = new List<ConsumeResult<string, byte[]>>();
        using var deadline = new CancellationTokenSource(Timeout);
        foreach (var partition in partitions)
        {
            var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
            if (end == 0)
            {
                continue;
            }
            consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            ConsumeResult<string, byte[]> record;
            do
            {
                record = consumer.Consume(deadline.Token);
                records.Add(record);
            }
            while (record.Offset.Value < end - 1);
        }
        return records;
    }

    /// <summary>Reads the dead-letter topic from its start and keeps the dead letters of one run, by the fuzz id each carries.</summary>
    private sealed class DeadLetterWatcher : IDisposable
    {
        private readonly ConcurrentDictionary<string, List<(string SourceTopic, string Reason)>> _received = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public DeadLetterWatcher(string bootstrapServers, string topic, string run)
        {
            var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = $"e2e-deadletters-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false };
            _loop = Task.Factory.StartNew(() =>
            {
                using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
                consumer.Subscribe(topic);
                try
                {
                    while (true)
                    {
                        var record = consumer.Consume(_stop.Token);
                        var headers = record.Message.Headers;
                        if (Header(headers, FuzzHeader) is { } id && id.StartsWith(run, StringComparison.Ordinal))
                        {
                            var letters = _received.GetOrAdd(id, _ => []);
                            lock (letters)
                            {
                                letters.Add((Header(headers, EventHeaders.DeadLetterSourceTopic) ?? string.Empty, Header(headers, EventHeaders.DeadLetterReason) ?? string.Empty));
                            }
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    consumer.Close();
                }
            }, TaskCreationOptions.LongRunning);
        }

        /// <summary>Polls, within <paramref name="timeout"/>, until the dead letters received so far satisfy <paramref name="done"/>; returns them either way.</summary>
        public async Task<IReadOnlyDictionary<string, List<(string SourceTopic, string Reason)>>> WaitForAsync(
            Func<IReadOnlyDictionary<string, List<(string SourceTopic, string Reason)>>, bool> done, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                while (!done(_received) && await poll.WaitForNextTickAsync(deadline.Token))
                {
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                // What arrived is returned; the test's assertions say what is missing.
            }
            return _received;
        }

        private static string? Header(Headers? headers, string name) =>
            headers is not null && headers.TryGetLastBytes(name, out var bytes) && bytes is not null ? Encoding.UTF8.GetString(bytes) : null;

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(10));
            _stop.Dispose();
        }
    }
}
