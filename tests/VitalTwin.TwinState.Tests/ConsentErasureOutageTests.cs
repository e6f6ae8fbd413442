using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.History.Tests.Influx;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// A withdrawal whose erasure cannot finish (InfluxDB down) is neither lost nor committed: the patient's twin is gone
/// and their readings dropped at once, the history delete is retried, and the consent record's offset is committed only
/// once the history is deleted. Real influxd 1.6.7 behind the v2 write and delete mapping, embedded Kafka, real gRPC.
/// </summary>
public sealed class ConsentErasureOutageTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Withdrawn = "patient-withdrawing-during-outage";
    private const string Other = "patient-staying-during-outage";
    private static readonly DateTimeOffset Observed = DateTimeOffset.UtcNow.AddMinutes(-10);

    [Fact]
    public async Task An_erasure_that_fails_while_InfluxDB_is_down_is_retried_and_the_withdrawal_is_committed_only_after_it()
    {
        await using var influx = await InfluxServer.StartAsync();
        await influx.ExecuteAsync("CREATE DATABASE \"vitaltwin\"", CancellationToken.None);
        await using var proxy = await InfluxWriteProxy.StartAsync(influx.Url);
        var topics = cluster.CreateTopics();
        var group = $"test-twin-state-{Guid.NewGuid():N}";
        using var erasureFailed = new LogSignal("Erasing a patient");
        await using var server = await TwinStateServer.StartAsync(cluster, topics, group, new Dictionary<string, string?>
        {
            ["History:Influx:Url"] = proxy.Url.ToString(),
            ["History:Influx:Database"] = "vitaltwin",
            ["History:Influx:RetentionPolicy"] = "autogen",
            ["History:Influx:Username"] = "vitaltwin",
            ["History:Influx:Password"] = "not-checked-by-this-influxd",
            ["History:Influx:MaxRetryAttempts"] = "2",
            ["History:Influx:RetryBaseDelay"] = "00:00:00.010",
            ["History:Influx:RetryMaxDelay"] = "00:00:00.050",
        }, erasureFailed);
        for (var sequence = 1ul; sequence <= 3; sequence++)
        {
            await server.PublishHeartRateAsync(topics, Withdrawn, sequence, Observed.AddSeconds((double)sequence));
            await server.PublishHeartRateAsync(topics, Other, sequence, Observed.AddSeconds((double)sequence));
        }
        // Every point, not just the series: a point still pending when InfluxDB goes down would fail the next
        // checkpoint's flush, and no offset would be stored while the outage lasts.
        await Eventually.TrueAsync(async () => await PointsAsync(server, Withdrawn) == 3 && await PointsAsync(server, Other) == 3, "both histories whole in InfluxDB");

        await influx.StopAsync();
        try
        {
            await server.PublishConsentAsync(topics, Withdrawn, ConsentState.Withdrawn);
            await erasureFailed.Seen.WaitAsync(TwinStateServer.Patience);
            Assert.False(server.Twins.TryGet(Withdrawn, out _));

            // An anomaly of the other patient (anomalies write no history, so nothing else waits for InfluxDB): once its
            // offset is committed, a checkpoint ran while the erasure was owed, and it held the consent offset back.
            var anomaly = new AnomalyDetected
            {
                EventId = "anomaly-during-outage",
                PatientId = Other,
                Code = new VitalCode { Loinc = "8867-4" },
                Value = 140,
                Unit = "/min",
                ObservedAt = Timestamp.FromDateTimeOffset(Observed.AddSeconds(4)),
                Kind = AnomalyKind.Spike,
                Detector = Detector.IidSpike,
                Direction = Direction.Up,
                DeviceId = $"monitor-{Other}",
            };
            await server.Services.GetRequiredService<EventProducer>().PublishAsync(topics.Anomalies, Other, anomaly, anomaly.EventId, CancellationToken.None);
            await Eventually.TrueAsync(() => Committed(group, topics.Anomalies) == 1, "the anomaly's offset committed");
            Assert.True(Committed(group, topics.Consent) <= 0, "The withdrawal must not be committed while its erasure is owed.");
            Assert.False(server.Twins.TryGet(Withdrawn, out _));
            Assert.Equal(3ul, server.ReadingsApplied(Other));
        }
        finally
        {
            await influx.StartAsync(CancellationToken.None);
        }

        await Eventually.TrueAsync(() => Committed(group, topics.Consent) == 1, "the withdrawal committed once its erasure succeeded");
        Assert.Empty(await HistoryAsync(server, Withdrawn));
        Assert.Equal(3, Assert.Single(await HistoryAsync(server, Other)).Points.Count);
        Assert.Contains(TopicRecords.Read(cluster.Kafka.BootstrapServers, topics.Twins), r => r.Key == Withdrawn && r.Value is null);
    }

    private static async Task<int> PointsAsync(TwinStateServer server, string patientId) =>
        (await HistoryAsync(server, patientId)).Sum(series => series.Points.Count);

    private static Task<IReadOnlyList<VitalSeries>> HistoryAsync(TwinStateServer server, string patientId) =>
        server.History.QueryAsync(new HistoryQuery(patientId, [], Observed.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null), CancellationToken.None);

    /// <summary>The group's committed offset of the topic's only partition; negative when none is.</summary>
    private long Committed(string group, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = cluster.Kafka.BootstrapServers, GroupId = group }).Build();
        return consumer.Committed([new TopicPartition(topic, 0)], TwinStateServer.Patience).Single().Offset.Value;
    }

    /// <summary>Signals the first log line at Warning or above whose text contains a fragment.</summary>
    private sealed class LogSignal(string fragment) : ILoggerProvider, ILogger
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && formatter(state, exception).Contains(fragment, StringComparison.Ordinal))
            {
                _seen.TrySetResult();
            }
        }

        public void Dispose()
        {
        }
    }
}
