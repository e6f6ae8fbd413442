using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Gateway.Tests.Fhir;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Kafka.Tests;
using Metadata = Grpc.Core.Metadata;
using OperationOutcome = Hl7.Fhir.Model.OperationOutcome;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// The Gateway refuses readings while a consumer group of the telemetry topic lags past its budget, and takes them
/// again once the group caught up. The group is played by the test: it commits offsets by hand, as a consumer that
/// handled that far would. The check loop runs on a fake clock the test advances.
/// </summary>
public sealed class BackPressureTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);
    private const int MaxLag = 5;

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly string _group = $"test-twins-{Guid.NewGuid():N}";
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
    public async Task A_batch_that_takes_a_group_past_its_budget_is_stored_and_the_next_is_refused_UNAVAILABLE_with_a_retry_hint_until_the_group_catches_up()
    {
        await using var gateway = await StartAsync();
        using var metrics = new MetricRecorder(gateway.Services.GetRequiredService<IMeterFactory>(), IngestionMetrics.MeterName);
        var backPressure = gateway.Services.GetRequiredService<IngestionBackPressure>();
        var monitor = await RegisterAsync(gateway, "monitor-bp", "patient-bp");
        Commit(gateway, 0);

        Assert.Equal(5u, (await SendAsync(gateway, monitor, 5)).Accepted);
        await CheckAsync(backPressure);
        Assert.False(backPressure.Refusing);
        // Within budget when the batch came; its delivery takes the group one past it.
        Assert.Equal(1u, (await SendAsync(gateway, monitor, 1)).Accepted);

        var refused = await Assert.ThrowsAsync<RpcException>(() => SendAsync(gateway, monitor, 3));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal("3000", refused.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Contains("send them again", refused.Status.Detail);
        Assert.Equal(6, gateway.ReadAll(gateway.Topics.Telemetry).Count);
        Assert.Equal(3, metrics.Of(IngestionMetrics.RefusedName).Sum(m => m.Value));
        Assert.Contains(gateway.Log, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains(_group) && line.Contains("6 records behind"));

        // Read again before the group moved: still refused.
        await CheckAsync(backPressure);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => SendAsync(gateway, monitor, 1))).StatusCode);

        Commit(gateway, 6);
        await CheckAsync(backPressure);
        Assert.Equal(3u, (await SendAsync(gateway, monitor, 3)).Accepted);
        Assert.Equal(9, gateway.ReadAll(gateway.Topics.Telemetry).Count);
        Assert.DoesNotContain(gateway.Log, line => line.Contains("monitor-bp") || line.Contains("patient-bp"));
    }

    [Fact]
    public async Task Records_another_gateway_stored_count_too_once_the_check_has_read_the_end_of_the_topic()
    {
        await using var gateway = await StartAsync();
        var backPressure = gateway.Services.GetRequiredService<IngestionBackPressure>();
        var monitor = await RegisterAsync(gateway, "monitor-other", "patient-other");
        Commit(gateway, 0);
        await CheckAsync(backPressure);
        Assert.Equal(2u, (await SendAsync(gateway, monitor, 2)).Accepted);

        // Another replica's readings (the group commits none of them): this Gateway learns of them at its next check.
        using (var other = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers, EnableIdempotence = true }).Build())
        {
            for (var i = 0; i < MaxLag; i++)
            {
                await other.ProduceAsync(gateway.Topics.Telemetry, new Message<string, byte[]> { Key = "patient-elsewhere", Value = [] });
            }
        }
        await CheckAsync(backPressure);

        Assert.True(backPressure.Refusing);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => SendAsync(gateway, monitor, 1))).StatusCode);
        Commit(gateway, 2 + MaxLag);
        await CheckAsync(backPressure);
        Assert.Equal(1u, (await SendAsync(gateway, monitor, 1)).Accepted);
    }

    [Fact]
    public async Task Without_watched_groups_a_lagging_topic_never_stops_ingestion()
    {
        await using var gateway = await GatewayServer.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, new Dictionary<string, string?>
        {
            ["Backpressure:MaxLag"] = MaxLag.ToString(),
        });
        var monitor = await RegisterAsync(gateway, "monitor-off", "patient-off");
        Commit(gateway, 0);

        for (var call = 0; call < 3; call++)
        {
            Assert.Equal(4u, (await SendAsync(gateway, monitor, 4)).Accepted);
        }
        Assert.False(gateway.Services.GetRequiredService<IngestionBackPressure>().Refusing);
    }

    [Fact]
    public async Task The_fhir_door_refuses_503_with_retry_after_and_stores_nothing_while_the_group_lags()
    {
        await using var fhir = await FhirGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Backpressure:Groups:0"] = _group,
            ["Backpressure:MaxLag"] = "1",
            ["Backpressure:CheckInterval"] = CheckInterval.ToString(),
            ["Backpressure:RetryAfter"] = "00:00:03",
        });
        var key = await fhir.Server.RegisterAsync("monitor-fhir", "patient-fhir");
        foreach (var minutesAgo in new[] { 2, 1 })
        {
            var (created, _) = await fhir.PostAsync<OperationOutcome>(
                "Observation", FhirGateway.Observation("monitor-fhir", "patient-fhir", Readings.Now.AddMinutes(-minutesAgo)), $"Device {key}");
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }
        // The group has committed nothing: all the topic keeps is its lag.
        var backPressure = fhir.Server.Services.GetRequiredService<IngestionBackPressure>();
        var next = backPressure.NextCheck;
        ((FakeTimeProvider)fhir.Server.Services.GetRequiredService<TimeProvider>()).Advance(CheckInterval);
        await next.WaitAsync(Deadline);

        var (response, outcome) = await fhir.PostAsync<OperationOutcome>(
            "Observation", FhirGateway.Observation("monitor-fhir", "patient-fhir", Readings.Now), $"Device {key}");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal(OperationOutcome.IssueType.Transient, Assert.Single(outcome.Issue).Code);
        Assert.Equal(2, fhir.Stored().Count);
    }

    private Task<GatewayServer> StartAsync() =>
        GatewayServer.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, new Dictionary<string, string?>
        {
            ["Backpressure:Groups:0"] = _group,
            ["Backpressure:MaxLag"] = MaxLag.ToString(),
            ["Backpressure:CheckInterval"] = CheckInterval.ToString(),
            ["Backpressure:RetryAfter"] = "00:00:03",
        });

    /// <summary>Moves the fake clock to the next check and waits until the Gateway has applied what it read.</summary>
    private async Task CheckAsync(IngestionBackPressure backPressure)
    {
        var next = backPressure.NextCheck;
        _clock.Advance(CheckInterval);
        await next.WaitAsync(Deadline);
    }

    /// <summary>Commits <paramref name="offset"/> for the watched group, as its consumer would once it handled that far.</summary>
    private void Commit(GatewayServer gateway, long offset)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = _group }).Build();
        consumer.Commit([new TopicPartitionOffset(gateway.Topics.Telemetry, 0, offset)]);
    }

    /// <summary>Sends <paramref name="count"/> new readings of the one device the test registered.</summary>
    private async Task<IngestAck> SendAsync(GatewayServer gateway, (string Device, string Patient, Metadata Credential) monitor, int count)
    {
        var batch = new VitalSignBatch();
        batch.Readings.Add(Enumerable.Range(0, count).Select(_ => Reading(monitor.Device, monitor.Patient)));
        return await new VitalSignIngestion.VitalSignIngestionClient(gateway.Channel).IngestAsync(batch, monitor.Credential, deadline: DateTime.UtcNow + Deadline);
    }

    private async Task<(string Device, string Patient, Metadata Credential)> RegisterAsync(GatewayServer gateway, string device, string patient) =>
        (device, patient, GatewayServer.Device(await gateway.RegisterAsync(device, patient)));

    private VitalSignReading Reading(string device, string patient)
    {
        var reading = Readings.HeartRate(72, Readings.Now.AddSeconds(-1));
        reading.DeviceId = device;
        reading.PatientId = patient;
        reading.SequenceNumber = (ulong)Interlocked.Increment(ref _sequence);
        return reading;
    }
}
