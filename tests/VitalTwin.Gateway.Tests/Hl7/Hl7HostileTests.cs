using System.Text;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Gateway.Hl7;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>What a broken or hostile HL7 sender can do: bytes that are nearly a message, broken frames, too much, too slowly, too often.</summary>
public sealed class Hl7HostileTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Hl7Kinds = ["SeparatorInserted", "SeparatorRemoved", "EscapeBroken", "SegmentsShuffled", "FieldReplaced", "Msh2Changed", "ControlBytes"];

    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _kafka.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void Random_and_mutated_messages_never_throw_anything_but_the_doors_own_refusals_and_every_answer_is_a_message()
    {
        var seed = FuzzTally.Seed(20_617);
        var random = new Random(seed);
        var tally = new FuzzTally();
        var valid = Encoding.UTF8.GetBytes(Oru.Message("FUZZ-1",
        [
            Oru.Obx("150456^MDC_PULS_OXIM_SAT_O2^MDC", "97", "262688^MDC_DIM_PERCENT^MDC"),
            Oru.Obx("8867-4^Heart rate^LN", "72", "bpm", device: "ward\\T\\7\\X2D\\bed"),
            Oru.Obx("8310-5^Body temperature^LN", "98.6", "degF", status: "C"),
        ]));
        var other = Encoding.UTF8.GetBytes("MSH|^~\\&|A|B|C|D|20250601080000+0000||ADT^A01|X|P|2.5\rPID|1||p\r");
        var kinds = HostileBytes.Kinds.Concat(Hl7Kinds).ToArray();

        for (var i = 0; i < 20_000; i++)
        {
            var kind = kinds[i % kinds.Length];
            var bytes = HostileBytes.Kinds.Contains(kind) ? HostileBytes.Make(kind, random, valid, other) : Mutate(kind, random, valid);
            tally.Count(kind, Outcome(bytes));
        }

        tally.Print(output, "HL7 parser", seed);
        Assert.All(kinds, kind => Assert.True(tally.Of(kind) > 0));
        Assert.Equal(20_000, tally.Total);
    }

    [Fact]
    public async Task Bytes_outside_frames_and_abandoned_frames_are_skipped_and_every_whole_frame_is_answered()
    {
        await using var gateway = await Hl7Gateway.StartAsync(_kafka, _topics, new FakeTimeProvider(Readings.Now));
        await gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        byte[] bytes =
        [
            .. "junk before\r\n"u8,
            // No start byte: never a frame.
            .. Encoding.UTF8.GetBytes(Oru.Message("UNFRAMED", [Oru.HeartRate("60", secondsBefore: 50)])), Mllp.EndBlock, Mllp.CarriageReturn,
            .. Mllp.Frame(Oru.Message("FRAMED-1", [Oru.HeartRate("61", secondsBefore: 40)])),
            .. "\r\n\0garbage"u8,
            .. Mllp.Frame("not an HL7 message"),
            // Started, never ended: the next start byte abandons it.
            Mllp.StartBlock, .. Encoding.UTF8.GetBytes(Oru.Message("ABANDONED", [Oru.HeartRate("62", secondsBefore: 30)])),
            .. Mllp.Frame(Oru.Message("FRAMED-2", [Oru.HeartRate("63", secondsBefore: 20)])),
            .. "trailing"u8,
        ];

        var acks = (await Mllp.SocatAsync(bytes, $"TCP:127.0.0.1:{Mllp.Endpoint(gateway).Port}")).Select(Ack.Parse).ToList();

        Assert.Equal([("AA", "FRAMED-1"), ("AR", ""), ("AA", "FRAMED-2")], acks.Select(a => (a.Code, a.ControlId)));
        Assert.Equal("MALFORMED", Assert.Single(acks[1].Errors).Reason);
        Assert.Equal([61.0, 63.0], gateway.Telemetry().Select(r => r.Value));
    }

    [Fact]
    public async Task An_oversized_message_is_refused_AR_and_its_connection_closed_without_reading_it_all()
    {
        await using var gateway = await Hl7Gateway.StartAsync(_kafka, _topics, new FakeTimeProvider(Readings.Now), new Dictionary<string, string?> { ["Hl7:MaxMessageBytes"] = "4096" });
        await gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        using var client = await Mllp.ConnectAsync(gateway, Hl7Gateway.SenderAddress);
        var stream = client.GetStream();
        var observation = Encoding.UTF8.GetBytes(Oru.HeartRate().Replace("#", "1", StringComparison.Ordinal) + "\r");
        // 64 MiB that never end: more than the connection's buffers hold, so the writer fails once the Gateway stops reading.
        var writing = Task.Run(async () =>
        {
            await stream.WriteAsync(Mllp.Frame(Oru.Message("BIG-1", []))[..^2]);
            for (var written = 0L; written < 64L * 1024 * 1024; written += observation.Length)
            {
                await stream.WriteAsync(observation);
            }
        });

        var acks = await Mllp.ReadToCloseAsync(stream);

        var ack = Ack.Parse(Assert.Single(acks));
        Assert.Equal(("AR", "BIG-1", "TOO_LARGE"), (ack.Code, ack.ControlId, Assert.Single(ack.Errors).Reason));
        await Assert.ThrowsAnyAsync<IOException>(() => writing);
        Assert.Empty(gateway.Telemetry());
    }

    [Fact]
    public async Task A_half_sent_frame_is_closed_after_the_read_timeout_and_a_silent_connection_after_the_idle_timeout()
    {
        var clock = new TimerWatchingClock(Readings.Now);
        var readTimeout = TimeSpan.FromSeconds(37);
        var idleTimeout = TimeSpan.FromMinutes(53);
        await using var gateway = await Hl7Gateway.StartAsync(_kafka, _topics, clock, new Dictionary<string, string?>
        {
            ["Hl7:ReadTimeout"] = readTimeout.ToString(),
            ["Hl7:IdleTimeout"] = idleTimeout.ToString(),
        });
        await gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        using var slow = await Mllp.ConnectAsync(gateway, Hl7Gateway.SenderAddress);
        var stream = slow.GetStream();
        await stream.WriteAsync(Mllp.Frame(Oru.Message("SLOW-1", [Oru.HeartRate(secondsBefore: 20)])));
        Assert.Equal("AA", Ack.Parse(await ReadFrameAsync(stream)).Code);
        await stream.WriteAsync(Mllp.Frame(Oru.Message("SLOW-2", [Oru.HeartRate(secondsBefore: 10)]))[..40]);

        // The first message's read timeout, then the half-sent one's.
        await clock.WaitForTimersAsync(readTimeout, count: 2);
        clock.Advance(readTimeout);

        Assert.Empty(await Mllp.ReadToCloseAsync(stream));
        using var silent = await Mllp.ConnectAsync(gateway, Hl7Gateway.SenderAddress);
        // The slow connection's idle timeouts (two messages' worth) and the silent one's.
        await clock.WaitForTimersAsync(idleTimeout, count: 3);
        clock.Advance(idleTimeout);
        Assert.Empty(await Mllp.ReadToCloseAsync(silent.GetStream()));
        Assert.Single(gateway.Telemetry());
    }

    [Fact]
    public async Task A_flood_from_one_device_is_refused_RATE_LIMITED_per_OBX_and_another_senders_device_is_unaffected()
    {
        await using var gateway = await Hl7Gateway.StartAsync(_kafka, _topics, new FakeTimeProvider(Readings.Now), new Dictionary<string, string?>
        {
            ["DeviceRateLimit:Burst"] = "3",
            ["DeviceRateLimit:ReadingsPerSecond"] = "1",
        });
        await gateway.RegisterAsync("monitor-flood", "patient-flood", ingestSystem: Hl7Gateway.Sender);
        await gateway.RegisterAsync("monitor-calm", "patient-calm", ingestSystem: Hl7Gateway.OtherSender);

        var flood = Ack.Parse(Assert.Single(await Mllp.SocatAsync(gateway, Hl7Gateway.SenderAddress,
            Oru.Message("FLOOD", Enumerable.Range(1, 6).Select(i => Oru.HeartRate($"{70 + i}", secondsBefore: 70 - (i * 10), device: "monitor-flood")), patient: "patient-flood"))));
        var calm = Ack.Parse(Assert.Single(await Mllp.SocatAsync(gateway, Hl7Gateway.OtherSenderAddress,
            Oru.Message("CALM", Enumerable.Range(1, 3).Select(i => Oru.HeartRate($"{80 + i}", secondsBefore: 40 - (i * 10), device: "monitor-calm")), patient: "patient-calm"))));

        Assert.Equal("AE", flood.Code);
        Assert.Equal(["OBX^4", "OBX^5", "OBX^6"], flood.Errors.Select(e => e.Location));
        Assert.All(flood.Errors, e => Assert.Equal(("207", "RATE_LIMITED"), (e.Code, e.Reason)));
        Assert.Equal(("AA", 0), (calm.Code, calm.Errors.Count));
        Assert.Equal(
            [("monitor-flood", 71.0), ("monitor-flood", 72.0), ("monitor-flood", 73.0), ("monitor-calm", 81.0), ("monitor-calm", 82.0), ("monitor-calm", 83.0)],
            gateway.Telemetry().Select(r => (r.DeviceId, r.Value)));
        Assert.Empty(gateway.Rejected());
    }

    private static string Outcome(byte[] bytes)
    {
        Hl7Message? message = null;
        try
        {
            message = Hl7Message.Parse(bytes);
            OruReadings.CheckHeader(message);
            var (readings, refusals) = OruReadings.Read(message, VitalCatalogue.Default);
            return readings.Count > 0 ? (refusals.Count > 0 ? "some OBX refused" : "read") : "every OBX refused";
        }
        catch (Hl7ParseException)
        {
            return "not a message";
        }
        catch (Hl7MessageRefusedException ex)
        {
            return ex.Reason;
        }
        finally
        {
            // Whatever came in, the answer is a message the sender can read, with its separators.
            var ack = Hl7Acknowledgement.Build(message, Hl7Acknowledgement.Rejected, [new Hl7Error(1, 102, "MALFORMED", "a detail with | ^ ~ \\ & in it")], "ACK-1", Readings.Now);
            var answer = Hl7Message.Parse(ack);
            Assert.Equal(["MSH", "MSA", "ERR"], answer.Segments.Select(s => s.Id));
            Assert.Equal("a detail with | ^ ~ \\ & in it", answer.Segments[2].Value(8));
        }
    }

    private static byte[] Mutate(string kind, Random random, byte[] valid)
    {
        var text = Encoding.UTF8.GetString(valid);
        const string separators = "|^~\\&";
        var at = random.Next(text.Length);
        return Encoding.UTF8.GetBytes(kind switch
        {
            "SeparatorInserted" => text.Insert(at, separators[random.Next(separators.Length)].ToString()),
            "SeparatorRemoved" => text.IndexOfAny(separators.ToCharArray(), at) is var found and >= 0 ? text.Remove(found, 1) : text,
            "EscapeBroken" => text.Insert(at, "\\" + (char)random.Next(32, 127)),
            "SegmentsShuffled" => string.Join('\r', text.Split('\r').OrderBy(_ => random.Next())),
            "FieldReplaced" => Replace(text, random),
            "Msh2Changed" => text[..4] + new string(Enumerable.Range(0, 4).Select(_ => (char)random.Next(32, 127)).ToArray()) + text[8..],
            "ControlBytes" => text.Insert(at, ((char)random.Next(0, 32)).ToString()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        });
    }

    /// <summary>One field given a value of another kind: a long string, a number out of any range, an odd time.</summary>
    private static string Replace(string text, Random random)
    {
        var fields = text.Split('|');
        var index = random.Next(1, fields.Length);
        string[] values = ["", new string('9', random.Next(1, 400)), "-0", "1e308", "NaN", "99999999999999+9999", "2025060108+0000", "\\X\\", "\\XZZ\\", "\\Xff\\", "^^^^^^", "~~~", "&&&"];
        fields[index] = values[random.Next(values.Length)];
        return string.Join('|', fields);
    }

    private static async Task<string> ReadFrameAsync(Stream stream)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<byte>();
        var one = new byte[1];
        while (Mllp.Frames([.. received]).Count == 0)
        {
            Assert.True(await stream.ReadAsync(one, deadline.Token) == 1, "the Gateway closed the connection");
            received.Add(one[0]);
        }
        return Mllp.Frames([.. received])[0];
    }
}
