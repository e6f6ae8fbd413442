using Microsoft.Extensions.Time.Testing;
using VitalTwin.TwinState.History;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// History trails the twin by the flush interval, not by the checkpoint: a reading far short of a full batch is
/// written once the oldest has waited <c>History:FlushInterval</c> on the service's clock (a fake one here), and not before.
/// </summary>
public sealed class HistoryFreshnessTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Patient = "patient-fresh-history";

    [Fact]
    public async Task A_reading_on_the_twin_is_written_to_history_once_it_has_waited_the_flush_interval()
    {
        var topics = cluster.CreateTopics();
        var start = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(start);
        await using var server = await TwinStateServer.StartAsync(
            cluster,
            topics,
            $"test-twin-state-{Guid.NewGuid():N}",
            new Dictionary<string, string?>
            {
                // No checkpoint (which writes history too) within the test.
                ["TwinState:Durability:CheckpointInterval"] = "01:00:00",
                ["TwinState:Durability:HistoryBatchSize"] = "1000",
                ["History:FlushInterval"] = "00:00:01",
            },
            clock: clock);
        await server.PublishHeartRateAsync(topics, Patient, sequence: 1, start);
        // The twin has a reading a moment before the reading joins the batch; once a second one is on the twin, the
        // first is in the batch, stamped with the standing clock.
        await server.PublishHeartRateAsync(topics, Patient, sequence: 2, start.AddSeconds(1));
        await Eventually.TrueAsync(() => server.ReadingsApplied(Patient) == 2, "both readings applied to the twin");
        Assert.Empty(await PointsAsync(server, start));

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(await PointsAsync(server, start));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(async () => (await PointsAsync(server, start)).Count > 0, "the readings in history one flush interval later");

        Assert.Equal(
            [(start, 71.0), (start.AddSeconds(1), 72.0)],
            (await PointsAsync(server, start)).Select(point => (point.Time, point.Mean)));
    }

    private static async Task<List<HistoryPoint>> PointsAsync(TwinStateServer server, DateTimeOffset around) =>
        (await server.History.QueryAsync(new HistoryQuery(Patient, ["8867-4"], around.AddMinutes(-1), around.AddMinutes(1), null), CancellationToken.None))
            .SelectMany(series => series.Points)
            .ToList();
}
