using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Extensions;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Each device's token bucket on a running Gateway. The limiter refills on the real clock (it takes no
/// TimeProvider), so the tests use small buckets and slow refills, and wait for a refill by polling with a deadline.
/// </summary>
public sealed class DeviceRateLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private EmbeddedKafka _kafka = null!;
    private long _sequence;

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
    public async Task Readings_over_the_burst_are_refused_on_the_ack_as_rate_limited_and_not_copied_to_the_rejected_topic()
    {
        await using var gateway = await StartAsync(readingsPerSecond: 1, burst: 5);
        var monitor = GatewayServer.Device(await gateway.RegisterAsync("monitor-a", "patient-a"));
        var batch = new VitalSignBatch();
        // The first reading is refused for its value and still costs a token: refused readings are traffic too.
        batch.Readings.Add(Reading("monitor-a", "patient-a", value: 400));
        batch.Readings.Add(Enumerable.Range(0, 7).Select(_ => Reading("monitor-a", "patient-a")));

        var ack = await Ingestion(gateway).IngestAsync(batch, monitor);

        Assert.Equal((4u, 4u), (ack.Accepted, ack.Rejected));
        Assert.Equal(RejectionReason.OutOfRange, ack.Rejections[0].Reason);
        Assert.Equal(
            [(5u, RejectionReason.RateLimited), (6u, RejectionReason.RateLimited), (7u, RejectionReason.RateLimited)],
            ack.Rejections.Skip(1).Select(r => (r.Index, r.Reason)));
        Assert.All(ack.Rejections.Skip(1), r =>
        {
            Assert.Equal("monitor-a", r.DeviceId);
            Assert.Equal(batch.Readings[(int)r.Index].SequenceNumber, r.SequenceNumber);
            Assert.Contains("resend later", r.Detail);
        });
        Assert.Equal(4, gateway.ReadAll(gateway.Topics.Telemetry).Count);

        // With the bucket empty, a resend of the stored readings is still acknowledged: it costs no token.
        var resend = new VitalSignBatch { Readings = { batch.Readings.Skip(1).Take(4) } };
        var again = await Ingestion(gateway).IngestAsync(resend, monitor);
        Assert.Equal((4u, 0u), (again.Accepted, again.Rejected));
        Assert.Equal(4, gateway.ReadAll(gateway.Topics.Telemetry).Count);
        var rejected = gateway.ReadAll(gateway.Topics.TelemetryRejected).Select(r => ReadingRejected.Parser.ParseFrom(r.Message.Value)).ToList();
        Assert.Equal(RejectionReason.OutOfRange, Assert.Single(rejected).Reason);
        Assert.DoesNotContain(gateway.Log, line => line.Contains("monitor-a") || line.Contains("patient-a"));
    }

    [Fact]
    public async Task A_second_device_gets_every_reading_through_while_the_first_floods_from_several_calls()
    {
        const int burst = 100;
        await using var gateway = await StartAsync(readingsPerSecond: 1, burst);
        var noisy = GatewayServer.Device(await gateway.RegisterAsync("noisy", "patient-noisy"));
        var quiet = GatewayServer.Device(await gateway.RegisterAsync("quiet", "patient-quiet"));
        var flooding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var quietDone = new CancellationTokenSource();
        var started = Stopwatch.StartNew();

        var floods = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var acks = new List<IngestAck>();
            while (!quietDone.IsCancellationRequested)
            {
                var batch = new VitalSignBatch();
                batch.Readings.Add(Enumerable.Range(0, 200).Select(_ => Reading("noisy", "patient-noisy")));
                acks.Add(await Ingestion(gateway).IngestAsync(batch, noisy, deadline: DateTime.UtcNow + Deadline));
                flooding.TrySetResult();
            }
            return acks;
        })).ToList();

        await flooding.Task.WaitAsync(Deadline);
        var quietAcks = new List<IngestAck>();
        for (var call = 0; call < 8; call++)
        {
            var batch = new VitalSignBatch();
            batch.Readings.Add(Enumerable.Range(0, 10).Select(_ => Reading("quiet", "patient-quiet")));
            quietAcks.Add(await Ingestion(gateway).IngestAsync(batch, quiet, deadline: DateTime.UtcNow + Deadline));
        }
        await quietDone.CancelAsync();
        var noisyAcks = (await Task.WhenAll(floods).WaitAsync(Deadline)).SelectMany(acks => acks).ToList();
        var seconds = started.Elapsed.TotalSeconds;

        Assert.All(quietAcks, ack => Assert.Equal((10u, 0u), (ack.Accepted, ack.Rejected)));
        var stored = gateway.ReadAll(gateway.Topics.Telemetry).GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(80, stored["patient-quiet"]);
        // A full bucket, then one reading a second at most.
        Assert.InRange(stored["patient-noisy"], burst, burst + Math.Ceiling(seconds) + 1);
        Assert.True(noisyAcks.Sum(ack => ack.Rejections.Count(r => r.Reason == RejectionReason.RateLimited)) > 0, "the flood was never limited");
        Assert.Empty(gateway.ReadAll(gateway.Topics.TelemetryRejected));
    }

    [Fact]
    public async Task An_empty_bucket_refills_over_time_up_to_its_burst()
    {
        await using var gateway = await StartAsync(readingsPerSecond: 20, burst: 3);
        var monitor = GatewayServer.Device(await gateway.RegisterAsync("monitor-b", "patient-b"));
        var emptied = Stopwatch.StartNew();
        var first = await SendAsync(gateway, monitor, "monitor-b", "patient-b", 4);
        Assert.Equal((3u, 1u), (first.Accepted, first.Rejected));
        Assert.Equal(RejectionReason.RateLimited, Assert.Single(first.Rejections).Reason);

        using var deadline = new CancellationTokenSource(Deadline);
        IngestAck retry;
        do
        {
            // Polling: the limiter refills on its own timer, which the test cannot observe.
            await Task.Delay(TimeSpan.FromMilliseconds(10), deadline.Token);
            retry = await SendAsync(gateway, monitor, "monitor-b", "patient-b", 1);
        }
        while (retry.Accepted == 0);
        // One token at 20 a second takes 50 ms to come back.
        Assert.True(emptied.Elapsed >= TimeSpan.FromMilliseconds(40), $"refilled after {emptied.Elapsed}");

        // Refilled for longer than it takes to fill it (150 ms), the bucket still holds only its burst.
        using var refilled = new CancellationTokenSource(Deadline);
        IngestAck full;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300), refilled.Token);
            full = await SendAsync(gateway, monitor, "monitor-b", "patient-b", 4);
        }
        while (full.Accepted < 3);
        Assert.Equal((3u, 1u), (full.Accepted, full.Rejected));
    }

    [Theory]
    [InlineData("ReadingsPerSecond", "0")]
    [InlineData("ReadingsPerSecond", "-1")]
    [InlineData("Burst", "0")]
    public async Task A_rate_limit_that_would_switch_the_limit_off_stops_the_gateway_at_start(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayServer.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, new Dictionary<string, string?> { [$"DeviceRateLimit:{key}"] = value }));

        Assert.Contains(key, failure.Message);
    }

    [Fact]
    public void Without_a_rate_limit_section_the_defaults_apply()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:MaxBatchSize"] = "10" });
        builder.AddGateway();
        using var services = builder.Services.BuildServiceProvider();

        var limit = services.GetRequiredService<IOptions<DeviceRateLimitOptions>>().Value;

        Assert.Equal((200, 2_000), (limit.ReadingsPerSecond, limit.Burst));
    }

    private Task<GatewayServer> StartAsync(int readingsPerSecond, int burst) =>
        GatewayServer.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, new Dictionary<string, string?>
        {
            ["DeviceRateLimit:ReadingsPerSecond"] = readingsPerSecond.ToString(),
            ["DeviceRateLimit:Burst"] = burst.ToString(),
        });

    private static VitalSignIngestion.VitalSignIngestionClient Ingestion(GatewayServer gateway) => new(gateway.Channel);

    private async Task<IngestAck> SendAsync(GatewayServer gateway, Metadata credential, string device, string patient, int count)
    {
        var batch = new VitalSignBatch();
        batch.Readings.Add(Enumerable.Range(0, count).Select(_ => Reading(device, patient)));
        return await Ingestion(gateway).IngestAsync(batch, credential, deadline: DateTime.UtcNow + Deadline);
    }

    private VitalSignReading Reading(string device, string patient, double value = 72)
    {
        var reading = Readings.HeartRate(value, Readings.Now.AddSeconds(-1));
        reading.DeviceId = device;
        reading.PatientId = patient;
        // Distinct sequence numbers: a repeated one would be acknowledged as already stored.
        reading.SequenceNumber = (ulong)Interlocked.Increment(ref _sequence);
        return reading;
    }
}
