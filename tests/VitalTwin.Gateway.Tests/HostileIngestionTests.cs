using Google.Protobuf;
using Grpc.Core;
using VitalTwin.ServiceDefaults.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Every ingest path of a running Gateway fed seeded random and mutated input: each hostile item gets a clear
/// answer (a reason per reading, or INVALID_ARGUMENT / RESOURCE_EXHAUSTED with a message for the call), the
/// Gateway keeps serving, and a control patient's telemetry is exactly what its device sent.
/// </summary>
public sealed class HostileIngestionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ControlPatient = "control-patient";
    private const string ControlDevice = "control-monitor";
    private const int FuzzDevices = 4;

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;
    private ulong _controlSequence;
    private readonly Dictionary<string, Metadata> _devices = new(StringComparer.Ordinal);

    private VitalSignIngestion.VitalSignIngestionClient Ingestion => new(_gateway.Channel);

    private DeviceRegistry.DeviceRegistryClient Registry => new(_gateway.Channel);

    private Metadata Control => _devices[ControlDevice];

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await StartGatewayAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task Random_and_mutated_readings_are_each_taken_or_refused_with_a_reason_and_the_control_patients_telemetry_is_exactly_what_it_sent()
    {
        var fuzz = await StartFuzzAsync(FuzzTally.Seed(20_250_601));
        var tally = new FuzzTally();
        var sent = new List<VitalSignReading>();
        sent.AddRange(await SendControlAsync(5));
        long published = 5, rejected = 0;

        for (var call = 0; call < 300; call++)
        {
            fuzz.Caller = fuzz.Devices[fuzz.Random.Next(fuzz.Devices.Count)].Device;
            var shape = fuzz.Random.Next(21) switch
            {
                < 12 => "unary",
                < 17 => "stream",
                17 => "empty batch",
                18 => "batch over MaxBatchSize",
                19 => "reading of 3 MiB",
                _ => "message over MaxMessageBytes",
            };
            List<List<HostileReading>> batches = shape switch
            {
                "unary" => [Hostile(fuzz, fuzz.Random.Next(1, 21))],
                "stream" => Enumerable.Range(0, fuzz.Random.Next(2, 5)).Select(_ => Hostile(fuzz, fuzz.Random.Next(0, 21))).ToList(),
                "empty batch" => [[]],
                // Copies of one reading: refused unread, it must not use up a thousand of the device's sequence numbers.
                "batch over MaxBatchSize" => [Enumerable.Repeat(new HostileReading(HostileKind.Valid, fuzz.Valid()), 1_001).ToList()],
                // Within MaxMessageBytes, far over what Kafka takes in one record: refused, and kept on the rejected topic cut down.
                "reading of 3 MiB" => [[Huge(fuzz, 3 * 1024 * 1024)]],
                _ => [[Huge(fuzz, 4 * 1024 * 1024)]],
            };
            IngestAck ack;
            try
            {
                ack = shape == "stream" ? await StreamAsync(batches, _devices[fuzz.Caller]) : await Ingestion.IngestAsync(Batch(batches[0]), _devices[fuzz.Caller]);
            }
            catch (RpcException ex)
            {
                AssertClear(ex);
                tally.Count($"call: {shape}", ex.StatusCode);
                Assert.Equal(shape switch { "batch over MaxBatchSize" => StatusCode.InvalidArgument, "message over MaxMessageBytes" => StatusCode.ResourceExhausted, _ => StatusCode.OK }, ex.StatusCode);
                continue;
            }
            tally.Count($"call: {shape}", StatusCode.OK);
            var readings = batches.SelectMany(b => b).ToList();
            Assert.Equal((uint)readings.Count, ack.Accepted + ack.Rejected);
            var refusals = ack.Rejections.ToDictionary(r => (int)r.Index);
            for (var i = 0; i < readings.Count; i++)
            {
                var (kind, reading) = readings[i];
                if (refusals.TryGetValue(i, out var refusal))
                {
                    Assert.NotEqual(RejectionReason.Unspecified, refusal.Reason);
                    Assert.False(string.IsNullOrWhiteSpace(refusal.Detail));
                    Assert.True(readings[i].RefusalsOn(fuzz.Caller)?.Contains(refusal.Reason) ?? true, $"{kind} refused as {refusal.Reason}: {refusal.Detail}");
                    Assert.True(refusal.DeviceId.Length <= 64, "an acknowledgement quotes a device id of at most MaxIdLength");
                    tally.Count(kind, refusal.Reason);
                }
                else
                {
                    Assert.True(readings[i].RefusalsOn(fuzz.Caller) is null or { Count: 0 }, $"{kind} was accepted");
                    tally.Count(kind, "Accepted");
                    if (kind != HostileKind.Duplicate)
                    {
                        published++;
                        fuzz.Delivered(reading);
                    }
                }
            }
            rejected += OnRejectedTopic(ack);
        }
        sent.AddRange(await SendControlAsync(5));
        published += 5;

        tally.Print(output, "Readings and calls", fuzz.Seed);
        var telemetry = Telemetry();
        Assert.Equal(published, telemetry.Count);
        AssertStoredOnce(telemetry);
        AssertControlTelemetryIs(sent, telemetry);
        Assert.All(telemetry, recorded =>
        {
            Assert.True(double.IsFinite(recorded.Reading.Value));
            Assert.Contains(recorded.Reading.Unit, new[] { "/min", "%", "mm[Hg]", "Cel" });
        });
        AssertRejectedTopicHolds(rejected);
        AssertLogNamesNoOne(fuzz);
        Assert.Equal(300, new[] { "unary", "stream", "empty batch", "batch over MaxBatchSize", "reading of 3 MiB", "message over MaxMessageBytes" }.Sum(shape => tally.Of($"call: {shape}")));
    }

    [Fact]
    public async Task Bodies_that_are_not_the_expected_message_are_refused_as_invalid_argument_on_every_method_and_the_gateway_keeps_serving()
    {
        var fuzz = await StartFuzzAsync(FuzzTally.Seed(20_250_602));
        var tally = new FuzzTally();
        var sent = new List<VitalSignReading>(await SendControlAsync(5));
        var invoker = _gateway.Channel.CreateCallInvoker();
        var service = VitalSignIngestion.Descriptor.FullName;
        var ingest = new Method<byte[], byte[]>(MethodType.Unary, service, "Ingest", HostileBytes.Raw, HostileBytes.Raw);
        var stream = new Method<byte[], byte[]>(MethodType.ClientStreaming, service, "IngestStream", HostileBytes.Raw, HostileBytes.Raw);
        var register = new Method<byte[], byte[]>(MethodType.Unary, DeviceRegistry.Descriptor.FullName, "RegisterDevice", HostileBytes.Raw, HostileBytes.Raw);
        long rejected = 0;
        fuzz.Caller = fuzz.Devices[0].Device;
        var device = new CallOptions(_devices[fuzz.Caller]);
        var registrar = new CallOptions(_gateway.Registrar);

        for (var call = 0; call < 400; call++)
        {
            var kind = HostileBytes.Kinds[fuzz.Random.Next(HostileBytes.Kinds.Length)];
            var method = fuzz.Random.Next(3);
            // Mutations start from readings the Gateway refuses, so that only a mutation can make one acceptable.
            var batch = Batch(Hostile(fuzz, fuzz.Random.Next(1, 6)).Where(r => r.RefusalsOn(fuzz.Caller) is { Count: > 0 }).ToList()).ToByteArray();
            var registration = new RegisterDeviceRequest { DeviceId = $"raw-device-{call}", PatientId = $"raw-patient-{call}" }.ToByteArray();
            var body = HostileBytes.Make(kind, fuzz.Random, method == 2 ? registration : batch, method == 2 ? batch : registration);
            var label = $"{(method switch { 0 => "Ingest", 1 => "IngestStream", _ => "RegisterDevice" })} {kind}";
            try
            {
                var answer = method switch
                {
                    0 => await invoker.AsyncUnaryCall(ingest, null, device, body),
                    1 => await RawStreamAsync(invoker.AsyncClientStreamingCall(stream, null, device), body),
                    _ => await invoker.AsyncUnaryCall(register, null, registrar, body),
                };
                if (method < 2)
                {
                    rejected += OnRejectedTopic(IngestAck.Parser.ParseFrom(answer));
                }
                tally.Count(label, StatusCode.OK);
            }
            catch (RpcException ex)
            {
                AssertClear(ex);
                tally.Count(label, ex.StatusCode);
            }
        }
        sent.AddRange(await SendControlAsync(5));

        tally.Print(output, "Raw request bodies", fuzz.Seed);
        var telemetry = Telemetry();
        AssertStoredOnce(telemetry);
        AssertControlTelemetryIs(sent, telemetry);
        AssertRejectedTopicHolds(rejected);
        Assert.Equal(400, tally.Total);
    }

    [Fact]
    public async Task Registrations_with_hostile_ids_or_times_are_refused_and_the_control_device_stays_bound_to_its_patient()
    {
        var fuzz = await StartFuzzAsync(FuzzTally.Seed(20_250_603));
        var tally = new FuzzTally();
        var sent = new List<VitalSignReading>(await SendControlAsync(2));
        string[] kinds =
        [
            "Valid", "NoBoundFrom", "OddCharacters", "EmptyIds", "BlankIds", "LongIds", "IdsOverMaxMessageBytes", "YearOne", "Year9999",
            "Unrepresentable", "Future", "TooOld", "ControlDeviceYearOne", "ControlDeviceLongPatient", "ControlDeviceFuture",
        ];
        var registered = 0;

        for (var call = 0; call < 300; call++)
        {
            var kind = kinds[fuzz.Random.Next(kinds.Length)];
            var request = new RegisterDeviceRequest
            {
                DeviceId = $"fuzz-registered-{call}",
                PatientId = $"fuzz-patient-{call % 7}",
                BoundFrom = Timestamp.FromDateTimeOffset(Readings.Now.AddMinutes(-fuzz.Random.Next(0, 600))),
            };
            switch (kind)
            {
                case "NoBoundFrom": request.BoundFrom = null; break;
                case "OddCharacters": request.DeviceId = $"\0\n\u202e🩺-{call}"; break;
                case "EmptyIds": request.DeviceId = string.Empty; break;
                case "BlankIds": request.PatientId = " \t "; break;
                case "LongIds": request.PatientId = new string('p', fuzz.Random.Next(65, 10_000)); break;
                case "IdsOverMaxMessageBytes": request.DeviceId = new string('d', 4 * 1024 * 1024 + 1); break;
                case "YearOne": request.BoundFrom = new Timestamp { Seconds = -62_135_596_800 }; break;
                case "Year9999": request.BoundFrom = new Timestamp { Seconds = 253_402_300_799 }; break;
                case "Unrepresentable": request.BoundFrom = new Timestamp { Seconds = fuzz.Random.Next(2) == 0 ? long.MaxValue : 0, Nanos = -1 }; break;
                case "Future": request.BoundFrom = Timestamp.FromDateTimeOffset(Readings.Now.AddMinutes(5).AddSeconds(fuzz.Random.Next(1, 100_000))); break;
                case "TooOld": request.BoundFrom = Timestamp.FromDateTimeOffset(Readings.Now.AddDays(-1).AddSeconds(-fuzz.Random.Next(1, 100_000))); break;
                case "ControlDeviceYearOne": request.DeviceId = ControlDevice; request.BoundFrom = new Timestamp { Seconds = -62_135_596_800 }; break;
                case "ControlDeviceLongPatient": request.DeviceId = ControlDevice; request.PatientId = new string('p', 65); break;
                case "ControlDeviceFuture": request.DeviceId = ControlDevice; request.BoundFrom = Timestamp.FromDateTimeOffset(Readings.Now.AddHours(1)); break;
            }
            try
            {
                await Registry.RegisterDeviceAsync(request, _gateway.Registrar);
                tally.Count(kind, StatusCode.OK);
                Assert.Contains(kind, new[] { "Valid", "NoBoundFrom", "OddCharacters" });
                registered++;
            }
            catch (RpcException ex)
            {
                AssertClear(ex);
                tally.Count(kind, ex.StatusCode);
                Assert.Equal(kind == "IdsOverMaxMessageBytes" ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument, ex.StatusCode);
            }
        }
        sent.AddRange(await SendControlAsync(2));
        var impostor = ControlReading();
        impostor.PatientId = "fuzz-patient-1";
        var refused = await Ingestion.IngestAsync(new VitalSignBatch { Readings = { impostor } }, Control);

        tally.Print(output, "Registrations", fuzz.Seed);
        Assert.Equal(RejectionReason.DevicePatientMismatch, Assert.Single(refused.Rejections).Reason);
        AssertControlTelemetryIs(sent, Telemetry());
        // One registration of the control device and fuzz devices at the start, then only what was answered OK.
        Assert.Equal(1 + FuzzDevices + registered, _gateway.ReadAll(_gateway.Topics.Devices).Count);
        AssertLogNamesNoOne(fuzz);
    }

    [Fact]
    public async Task A_flood_of_one_reading_is_stored_once_while_another_device_calling_meanwhile_gets_every_reading_stored()
    {
        await RegisterAsync("flooding-monitor", "flooded-patient");
        var flooder = _devices["flooding-monitor"];
        var flood = Readings.HeartRate(80, Readings.Now.AddSeconds(-1));
        (flood.DeviceId, flood.PatientId, flood.SequenceNumber) = ("flooding-monitor", "flooded-patient", 7);
        var copies = new VitalSignBatch();
        copies.Readings.Add(Enumerable.Repeat(flood, 1_000));

        var flooding = StreamAsync(Enumerable.Repeat(copies, 10), flooder);
        var other = new List<VitalSignReading>();
        for (var call = 0; call < 20; call++)
        {
            var batch = new VitalSignBatch();
            for (var i = 0; i < 5; i++)
            {
                batch.Readings.Add(ControlReading());
            }
            other.AddRange(batch.Readings);
            var ack = await Ingestion.IngestAsync(batch, Control);
            Assert.Equal(5u, ack.Accepted);
        }
        var flooded = await flooding;

        output.WriteLine($"Duplicate flood: 10 batches of 1,000 copies of one reading on one stream, acknowledged {flooded.Accepted} accepted / {flooded.Rejected} rejected; 20 calls of another device meanwhile.");
        Assert.Equal((10_000u, 0u), (flooded.Accepted, flooded.Rejected));
        var telemetry = Telemetry();
        Assert.Single(telemetry, r => r.Reading.DeviceId == "flooding-monitor");
        AssertControlTelemetryIs(other, telemetry);
    }

    [Fact]
    public async Task A_stream_of_many_tiny_messages_or_too_many_readings_is_ended_with_resource_exhausted_and_the_gateway_keeps_serving()
    {
        var limits = _gateway.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var tiny = await StreamOutcomeAsync(Enumerable.Repeat(new VitalSignBatch(), limits.MaxStreamBatches + 1));
        var full = new VitalSignBatch();
        full.Readings.Add(Enumerable.Range(0, limits.MaxBatchSize).Select(_ => Readings.Reading("0000-0", string.Empty, 1, "/min")));
        var many = await StreamOutcomeAsync(Enumerable.Repeat(full, (limits.MaxStreamReadings / limits.MaxBatchSize) + 1));
        var atLimit = await StreamAsync(Enumerable.Repeat(new VitalSignBatch(), limits.MaxStreamBatches), Control);
        var sent = await SendControlAsync(3);

        output.WriteLine($"{limits.MaxStreamBatches + 1:N0} empty batches on one stream: {tiny.StatusCode} ({tiny.Status.Detail})");
        output.WriteLine($"{limits.MaxStreamReadings + limits.MaxBatchSize:N0} readings on one stream: {many.StatusCode} ({many.Status.Detail})");
        AssertClear(tiny);
        AssertClear(many);
        Assert.Equal((StatusCode.ResourceExhausted, StatusCode.ResourceExhausted), (tiny.StatusCode, many.StatusCode));
        Assert.Equal((0u, 0u), (atLimit.Accepted, atLimit.Rejected));
        AssertControlTelemetryIs(sent, Telemetry());
        // Dead connections of devices that vanished mid-stream are found by HTTP/2 pings, as configured.
        Assert.Equal(TimeSpan.FromSeconds(30), _gateway.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.Http2.KeepAlivePingDelay);
    }

    [Fact]
    public async Task A_stream_that_never_completes_is_ended_after_MaxStreamDuration_and_the_reading_resent_after_it_is_stored_once()
    {
        await _gateway.DisposeAsync();
        _gateway = await StartGatewayAsync(new Dictionary<string, string?> { ["MaxStreamDuration"] = "00:01:00" });
        var reading = ControlReading();
        using var call = Ingestion.IngestStream(Control);
        await call.RequestStream.WriteAsync(new VitalSignBatch { Readings = { reading } });

        var ended = await UntilEndedAsync(call.ResponseAsync, TimeSpan.FromMinutes(1));
        var resent = await Ingestion.IngestAsync(new VitalSignBatch { Readings = { reading } }, Control);

        output.WriteLine($"A stream left open: {ended.StatusCode} ({ended.Status.Detail})");
        AssertClear(ended);
        Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
        Assert.Equal(1u, resent.Accepted);
        AssertControlTelemetryIs([reading], Telemetry());
    }

    private async Task<GatewayServer> StartGatewayAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var gateway = await GatewayServer.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, settings);
        _devices[ControlDevice] = GatewayServer.Device(await gateway.RegisterAsync(ControlDevice, ControlPatient));
        return gateway;
    }

    private async Task<HostileReadings> StartFuzzAsync(int seed)
    {
        var fuzz = new HostileReadings(seed, ControlPatient, ControlDevice);
        for (var i = 0; i < FuzzDevices; i++)
        {
            await RegisterAsync($"fuzz-monitor-{i}", $"fuzz-patient-{i}");
            fuzz.AddDevice($"fuzz-monitor-{i}", $"fuzz-patient-{i}");
        }
        return fuzz;
    }

    private async Task RegisterAsync(string device, string patient) => _devices[device] = GatewayServer.Device(await _gateway.RegisterAsync(device, patient));

    /// <summary>Refused readings the Gateway publishes on the rejected topic: all but those naming another device than the caller's.</summary>
    private static long OnRejectedTopic(IngestAck ack) => ack.Rejections.Count(r => r.Reason != RejectionReason.DeviceMismatch);

    private VitalSignReading ControlReading() => new()
    {
        PatientId = ControlPatient,
        DeviceId = ControlDevice,
        SequenceNumber = ++_controlSequence,
        ObservedAt = Timestamp.FromDateTimeOffset(Readings.Now.AddSeconds(-60 + (double)_controlSequence)),
        Code = new VitalCode { Loinc = Readings.HeartRateLoinc },
        Value = 60 + (double)_controlSequence,
        Unit = "/min",
    };

    /// <summary>The control device sends <paramref name="count"/> readings, and all are taken.</summary>
    private async Task<List<VitalSignReading>> SendControlAsync(int count)
    {
        var batch = new VitalSignBatch();
        for (var i = 0; i < count; i++)
        {
            batch.Readings.Add(ControlReading());
        }
        var ack = await Ingestion.IngestAsync(batch, Control);
        Assert.Equal(((uint)count, 0u), (ack.Accepted, ack.Rejected));
        return [.. batch.Readings];
    }

    private static List<HostileReading> Hostile(HostileReadings fuzz, int count) => Enumerable.Range(0, count).Select(_ => fuzz.Next()).ToList();

    private static VitalSignBatch Batch(IEnumerable<HostileReading> readings) => new() { Readings = { readings.Select(r => r.Reading) } };

    private static HostileReading Huge(HostileReadings fuzz, int length)
    {
        var reading = fuzz.Valid();
        reading.PatientId = new string('p', length);
        return new HostileReading(HostileKind.HugeString, reading);
    }

    private async Task<IngestAck> StreamAsync(IEnumerable<List<HostileReading>> batches, Metadata device) => await StreamAsync(batches.Select(Batch), device);

    private async Task<IngestAck> StreamAsync(IEnumerable<VitalSignBatch> batches, Metadata device)
    {
        using var call = Ingestion.IngestStream(device);
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(batch);
        }
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    /// <summary>Streams the batches, expecting the Gateway to end the call; writes after that may fail, the answer is the call's status.</summary>
    private async Task<RpcException> StreamOutcomeAsync(IEnumerable<VitalSignBatch> batches)
    {
        using var call = Ingestion.IngestStream(Control);
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
            // The call is over; its status follows.
        }
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }

    private static async Task<byte[]> RawStreamAsync(AsyncClientStreamingCall<byte[], byte[]> call, byte[] body)
    {
        using (call)
        {
            try
            {
                await call.RequestStream.WriteAsync(body);
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // Refused already; the status follows.
            }
            return await call.ResponseAsync;
        }
    }

    /// <summary>Moves the Gateway's clock on a step at a time until the call ends, within a deadline.</summary>
    private async Task<RpcException> UntilEndedAsync(Task<IngestAck> response, TimeSpan step)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!response.IsCompleted)
        {
            _clock.Advance(step);
            try
            {
                await response.WaitAsync(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (Exception ex) when (ex is TimeoutException or RpcException)
            {
                // Not ended yet, or ended: the loop's condition tells which.
            }
        }
        return await Assert.ThrowsAsync<RpcException>(() => response);
    }

    /// <summary>A refusal a device can act on: a status that says the request was wrong or too much, and why.</summary>
    private static void AssertClear(RpcException refusal)
    {
        Assert.Contains(refusal.StatusCode, new[] { StatusCode.InvalidArgument, StatusCode.ResourceExhausted });
        Assert.False(string.IsNullOrWhiteSpace(refusal.Status.Detail));
    }

    private List<VitalSignsRecorded> Telemetry() =>
        _gateway.ReadAll(_gateway.Topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();

    private static void AssertStoredOnce(List<VitalSignsRecorded> telemetry)
    {
        var repeated = telemetry.GroupBy(r => (r.Reading.DeviceId, r.Reading.SequenceNumber)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(repeated.Count == 0, $"{repeated.Count} readings are on the telemetry topic more than once");
    }

    /// <summary>The control patient's telemetry is exactly the readings its device sent, in order, and nothing else.</summary>
    private static void AssertControlTelemetryIs(IReadOnlyList<VitalSignReading> sent, List<VitalSignsRecorded> telemetry)
    {
        var stored = telemetry.Where(r => r.Reading.PatientId == ControlPatient || r.Reading.DeviceId == ControlDevice).Select(r => r.Reading).ToList();
        Assert.Equal(
            sent.Select(r => (r.PatientId, r.DeviceId, r.SequenceNumber, r.ObservedAt, r.Value, r.Unit)),
            stored.Select(r => (r.PatientId, r.DeviceId, r.SequenceNumber, r.ObservedAt, r.Value, r.Unit)));
    }

    private void AssertRejectedTopicHolds(long count)
    {
        var rejected = _gateway.ReadAll(_gateway.Topics.TelemetryRejected);
        Assert.Equal(count, rejected.Count);
        Assert.All(rejected, record =>
        {
            var refused = ReadingRejected.Parser.ParseFrom(record.Message.Value);
            Assert.NotEqual(RejectionReason.Unspecified, refused.Reason);
            Assert.False(string.IsNullOrWhiteSpace(refused.Detail));
            // Cut down when it was too large to keep whole: no record, key or acknowledgement grows with what a device sends.
            Assert.InRange(record.Message.Value.Length, 1, 4_096);
            Assert.InRange(record.Message.Key.Length, 0, 64);
        });
    }

    private void AssertLogNamesNoOne(HostileReadings fuzz)
    {
        string[] ids = [ControlPatient, ControlDevice, .. fuzz.Devices.SelectMany(d => new[] { d.Device, d.Patient })];
        Assert.DoesNotContain(_gateway.Log, line => ids.Any(id => line.Contains(id, StringComparison.Ordinal)));
    }
}
