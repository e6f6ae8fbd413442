using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Query;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// The service's consumer and staleness monitor in one host, against the embedded Kafka over TCP, with a fake
/// clock driving the monitor; what lands on the twin-events topic is read back as Notification would read it.
/// </summary>
public sealed class StalenessEventsTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string PatientId = "patient-gone-quiet";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly VitalDefinition HeartRate = VitalCatalogue.Default[VitalSign.HeartRate];

    [Fact]
    public async Task A_vital_that_stops_arriving_is_announced_stale_and_then_fresh_when_it_returns()
    {
        var topics = cluster.CreateTopics();
        var clock = new FakeTimeProvider(Readings.Start);
        var host = await StartAsync(topics, clock);
        try
        {
            var services = host.Services;
            await services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout);
            using var watch = services.GetRequiredService<TwinChangeFeed>().TryWatch(new HashSet<string>([PatientId]))!;
            var producer = services.GetRequiredService<EventProducer>();

            await PublishHeartRateAsync(producer, topics, sequence: 1, Readings.Start);
            await NextChangeAsync(watch);

            clock.Advance(TwinSettings.Default.StaleAfterFor(VitalSign.HeartRate) + services.GetRequiredService<IOptions<TwinQueryOptions>>().Value.StalenessCheckInterval);
            await NextChangeAsync(watch);
            var wentStaleAt = clock.GetUtcNow();

            var returnedAt = wentStaleAt.AddSeconds(10);
            await PublishHeartRateAsync(producer, topics, sequence: 2, returnedAt);
            var announced = await ReadStaleChangedAsync(topics.TwinEvents, count: 2);

            Assert.All(announced, e => Assert.Equal(PatientId, e.Key));
            Assert.All(announced, e => Assert.Equal(e.Message.EventId, e.MessageId));
            Assert.All(announced, e => Assert.DoesNotContain(PatientId, e.Message.EventId, StringComparison.Ordinal));
            var (stale, fresh) = (announced[0].Message, announced[1].Message);
            Assert.Equal(
                (true, PatientId, HeartRate.Loinc, Timestamp.FromDateTimeOffset(Readings.Start), Timestamp.FromDateTimeOffset(wentStaleAt)),
                (stale.Stale, stale.PatientId, stale.Code.Loinc, stale.LastObservedAt, stale.AsOf));
            Assert.Equal(
                (false, PatientId, HeartRate.Loinc, Timestamp.FromDateTimeOffset(returnedAt), Timestamp.FromDateTimeOffset(returnedAt)),
                (fresh.Stale, fresh.PatientId, fresh.Code.Loinc, fresh.LastObservedAt, fresh.AsOf));
            Assert.StartsWith("stale/", stale.EventId, StringComparison.Ordinal);
            Assert.StartsWith("fresh/", fresh.EventId, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    [Fact]
    public async Task A_recording_months_old_goes_stale_in_its_own_time_at_the_tick_its_partition_passes_not_by_the_wall_clock()
    {
        var topics = cluster.CreateTopics();
        // The wall clock is months past the recording; it moves less than SilentPartitionAfter, so only event time counts.
        var clock = new FakeTimeProvider(Readings.Start.AddDays(200));
        var host = await StartAsync(topics, clock);
        try
        {
            var services = host.Services;
            await services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout);
            var producer = services.GetRequiredService<EventProducer>();
            const string quiet = "patient-recorded-quiet", busy = "patient-recorded-busy";

            await PublishAsync(producer, topics, quiet, HeartRate, sequence: 1, Readings.Start, 72);
            // Under the old wall-clock monitor this tick made every vital of the recording stale at once.
            clock.Advance(TimeSpan.FromSeconds(30));
            var spo2 = VitalCatalogue.Default[VitalSign.OxygenSaturation];
            for (var second = 0; second <= 6 * 60; second += 10)
            {
                await PublishAsync(producer, topics, busy, spo2, sequence: (ulong)second + 1, Readings.Start.AddSeconds(second), 97);
            }

            var stale = (await ReadStaleChangedAsync(topics.TwinEvents, count: 1))[0].Message;

            // Silent since 08:00:00; the first 15 s tick more than 5 min later that the other patient's readings pass.
            Assert.Equal(
                (true, quiet, HeartRate.Loinc, Timestamp.FromDateTimeOffset(Readings.Start), Timestamp.FromDateTimeOffset(Readings.Start.AddMinutes(5).AddSeconds(15))),
                (stale.Stale, stale.PatientId, stale.Code.Loinc, stale.LastObservedAt, stale.AsOf));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    [Fact]
    public async Task After_a_restart_the_partition_resumes_from_its_restored_twins_clocks_so_the_ticks_since_then_still_fire()
    {
        var topics = cluster.CreateTopics();
        var clock = new FakeTimeProvider(Readings.Start.AddDays(200));
        // One group for both instances; the mock keeps a member that left out of its group for a session timeout.
        var group = new Dictionary<string, string?> { ["Kafka:GroupId"] = $"test-twin-state-{Guid.NewGuid():N}", ["Kafka:SessionTimeout"] = "00:00:06" };
        const string quiet = "patient-restored-quiet", busy = "patient-restored-busy";

        var first = cluster.BuildTwinState(topics, group, clock);
        await first.StartAsync(CancellationToken.None);
        try
        {
            await first.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout);
            using var watch = first.Services.GetRequiredService<TwinChangeFeed>().TryWatch(new HashSet<string>([quiet]))!;
            await PublishAsync(first.Services.GetRequiredService<EventProducer>(), topics, quiet, HeartRate, sequence: 1, Readings.Start, 72);
            using var deadline = new CancellationTokenSource(Timeout);
            await watch.NextAsync(deadline.Token);
        }
        finally
        {
            // Stopping hands the partition back, which snapshots its twins (clock 08:00:00 included).
            await first.StopAsync(CancellationToken.None);
            first.Dispose();
        }

        var second = cluster.BuildTwinState(topics, group, clock);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await second.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout * 2);
            var spo2 = VitalCatalogue.Default[VitalSign.OxygenSaturation];
            await PublishAsync(second.Services.GetRequiredService<EventProducer>(), topics, busy, spo2, sequence: 1, Readings.Start.AddMinutes(6).AddSeconds(7), 97);

            var stale = (await ReadStaleChangedAsync(topics.TwinEvents, count: 1))[0].Message;

            // Resumed from 08:00:00, the first reading after the restart passes every tick since: the heart rate went
            // stale at 08:05:15. A partition starting from its first reading would have passed none of them.
            Assert.Equal(
                (true, quiet, Timestamp.FromDateTimeOffset(Readings.Start.AddMinutes(5).AddSeconds(15))),
                (stale.Stale, stale.PatientId, stale.AsOf));
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
            second.Dispose();
        }
    }

    private static Task PublishAsync(EventProducer producer, KafkaTopics topics, string patientId, VitalDefinition vital, ulong sequence, DateTimeOffset observedAt, double value)
    {
        var device = $"monitor-{patientId}";
        var recorded = new VitalSignsRecorded
        {
            EventId = $"{device}/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = patientId,
                DeviceId = device,
                SequenceNumber = sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
                Code = new VitalCode { Loinc = vital.Loinc },
                Value = value,
                Unit = vital.CanonicalUnit,
            },
        };
        return producer.PublishAsync(topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }

    private async Task<IHost> StartAsync(KafkaTopics topics, TimeProvider clock)
    {
        var host = cluster.BuildTwinState(topics, clock: clock);
        await host.StartAsync(CancellationToken.None);
        return host;
    }

    private static Task PublishHeartRateAsync(EventProducer producer, KafkaTopics topics, ulong sequence, DateTimeOffset observedAt)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"monitor-1/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = PatientId,
                DeviceId = "monitor-1",
                SequenceNumber = sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
                Code = new VitalCode { Loinc = HeartRate.Loinc },
                Value = 72,
                Unit = HeartRate.CanonicalUnit,
            },
        };
        return producer.PublishAsync(topics.Telemetry, PatientId, recorded, recorded.EventId, CancellationToken.None);
    }

    private static async Task NextChangeAsync(TwinWatch watch)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        Assert.Equal([PatientId], (await watch.NextAsync(deadline.Token)).PatientIds);
    }

    /// <summary>Reads the topic from its start until <paramref name="count"/> staleness events arrived, skipping the others (NEWS2 changes).</summary>
    private Task<List<(string Key, string? MessageId, TwinVitalStaleChanged Message)>> ReadStaleChangedAsync(string topic, int count) =>
        Task.Factory.StartNew(
            () =>
            {
                var config = new ConsumerConfig { BootstrapServers = cluster.Kafka.BootstrapServers, GroupId = $"test-reader-{Guid.NewGuid():N}", EnableAutoCommit = false };
                using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
                consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
                using var deadline = new CancellationTokenSource(Timeout);
                var found = new List<(string, string?, TwinVitalStaleChanged)>();
                try
                {
                    while (found.Count < count)
                    {
                        var result = consumer.Consume(deadline.Token);
                        if (Header(result, EventHeaders.Schema) == TwinVitalStaleChanged.Descriptor.FullName)
                        {
                            found.Add((result.Message.Key, Header(result, EventHeaders.MessageId), TwinVitalStaleChanged.Parser.ParseFrom(result.Message.Value)));
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"{found.Count} of {count} staleness events arrived within {Timeout}.");
                }
                finally
                {
                    consumer.Close();
                }
                return found;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    private static string? Header(ConsumeResult<string, byte[]> result, string name) =>
        result.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
