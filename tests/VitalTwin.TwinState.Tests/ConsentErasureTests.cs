using Grpc.Core;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.History;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// Issue 8: a patient whose monitoring consent is withdrawn loses their twin, its snapshot and its history, and their
/// later readings are dropped; nothing of them comes back after a restart. TwinState runs whole, over real gRPC and
/// the embedded Kafka; the consent record is published on the consent topic as the ConsentRegistry publishes it.
/// </summary>
public sealed class ConsentErasureTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Withdrawn = "patient-withdrawing";
    private const string Other = "patient-staying";
    private const int Streamed = 5;

    private static readonly DateTimeOffset Observed = DateTimeOffset.UtcNow.AddMinutes(-10);

    [Fact]
    public async Task A_withdrawal_erases_the_twin_its_history_and_snapshot_and_later_readings_are_dropped_while_another_patient_is_untouched()
    {
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, $"test-twin-state-{Guid.NewGuid():N}");
        await StreamBothAsync(server, topics);
        await WaitForSnapshotAndHistoryAsync(server, topics, Withdrawn);
        using var watch = server.Query.WatchTwins(new WatchTwinsRequest { PatientIds = { Withdrawn } });
        using var watching = new CancellationTokenSource(TwinStateServer.Patience);
        Assert.True(await watch.ResponseStream.MoveNext(watching.Token));
        Assert.Equal(TwinChangeReason.Initial, watch.ResponseStream.Current.Reason);

        await server.PublishConsentAsync(topics, Withdrawn, ConsentState.Withdrawn);
        await Eventually.TrueAsync(() => HasTombstone(topics, Withdrawn), "a tombstone for the withdrawn patient on the twins topic");
        TwinChanged? removed = null;
        while (removed is null && await watch.ResponseStream.MoveNext(watching.Token))
        {
            removed = watch.ResponseStream.Current.Reason == TwinChangeReason.Removed ? watch.ResponseStream.Current : null;
        }
        Assert.Equal(Withdrawn, removed?.Twin.PatientId);

        // Published after the withdrawal, before one more reading of the other patient: the partition is handled in
        // order, so once that one is applied these have been seen.
        for (var sequence = Streamed + 1ul; sequence <= Streamed + 3ul; sequence++)
        {
            await server.PublishHeartRateAsync(topics, Withdrawn, sequence, Observed.AddSeconds((double)sequence));
        }
        await server.PublishHeartRateAsync(topics, Other, Streamed + 1ul, Observed.AddSeconds(Streamed + 1));
        await Eventually.TrueAsync(() => server.ReadingsApplied(Other) == Streamed + 1ul, "the other patient's next reading applied");

        var twin = await Assert.ThrowsAsync<RpcException>(() => server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Withdrawn }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, twin.StatusCode);
        var history = await Assert.ThrowsAsync<RpcException>(() => server.Query.GetVitalHistoryAsync(HistoryOf(Withdrawn)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, history.StatusCode);
        await CheckpointedAsync(server, topics);
        Assert.Empty(await server.History.QueryAsync(StoredHistoryOf(Withdrawn), CancellationToken.None));

        var other = await server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Other });
        Assert.Equal(Other, other.PatientId);
        Assert.Equal(Streamed + 1, (await server.Query.GetVitalHistoryAsync(HistoryOf(Other))).Series.Single().Points.Count);
        var twinsTopic = TopicRecords.Read(cluster.Kafka.BootstrapServers, topics.Twins);
        Assert.DoesNotContain(twinsTopic, r => r.Key == Other && r.Value is null);
        Assert.Equal((Withdrawn, (byte[]?)null), twinsTopic.Last(r => r.Key == Withdrawn));
    }

    [Fact]
    public async Task A_twin_state_started_after_the_withdrawal_brings_the_twin_back_neither_from_snapshots_nor_from_replayed_telemetry()
    {
        var topics = cluster.CreateTopics();
        await using (var first = await TwinStateServer.StartAsync(cluster, topics, $"test-twin-state-{Guid.NewGuid():N}"))
        {
            await StreamBothAsync(first, topics);
            await WaitForSnapshotAndHistoryAsync(first, topics, Withdrawn);
            await first.PublishConsentAsync(topics, Withdrawn, ConsentState.Withdrawn);
            await Eventually.TrueAsync(() => HasTombstone(topics, Withdrawn), "a tombstone for the withdrawn patient on the twins topic");
            await first.StopAsync();
        }

        // A new consumer group replays every reading from the start of the telemetry topic, the withdrawn patient's
        // included, and restores from a twins topic that still holds that patient's snapshot before its tombstone.
        await using var restarted = await TwinStateServer.StartAsync(cluster, topics, $"test-twin-state-{Guid.NewGuid():N}");
        await restarted.PublishHeartRateAsync(topics, Other, Streamed + 1ul, Observed.AddSeconds(Streamed + 1));
        await Eventually.TrueAsync(() => restarted.ReadingsApplied(Other) == Streamed + 1ul, "the other patient's twin restored and its next reading applied");
        await CheckpointedAsync(restarted, topics);

        Assert.False(restarted.Twins.TryGet(Withdrawn, out _));
        var twin = await Assert.ThrowsAsync<RpcException>(() => restarted.Query.GetTwinAsync(new GetTwinRequest { PatientId = Withdrawn }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, twin.StatusCode);
        Assert.Empty(await restarted.History.QueryAsync(StoredHistoryOf(Withdrawn), CancellationToken.None));
        // History in memory starts empty in a new process, and readings a restored twin already had are not written
        // again: the other patient's history there is its one new reading, which shows replay and history work.
        Assert.Single(Assert.Single(await restarted.History.QueryAsync(StoredHistoryOf(Other), CancellationToken.None)).Points);
    }

    [Fact]
    public async Task A_patient_who_refused_is_never_processed_and_monitoring_consent_lets_their_readings_in_again()
    {
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, $"test-twin-state-{Guid.NewGuid():N}");
        await server.PublishConsentAsync(topics, Withdrawn, ConsentState.Refused);
        await server.PublishHeartRateAsync(topics, Withdrawn, 1, Observed.AddSeconds(1));
        await server.PublishHeartRateAsync(topics, Other, 1, Observed.AddSeconds(1));
        await Eventually.TrueAsync(() => server.ReadingsApplied(Other) == 1, "the other patient's reading applied");
        await CheckpointedAsync(server, topics);

        Assert.False(server.Twins.TryGet(Withdrawn, out _));
        Assert.Empty(await server.History.QueryAsync(StoredHistoryOf(Withdrawn), CancellationToken.None));

        // Consent and telemetry are separate topics, read in no fixed order between them: readings go on until the
        // consent has been seen and one of them is applied.
        await server.PublishConsentAsync(topics, Withdrawn, ConsentState.Monitoring);
        var sequence = 1ul;
        await Eventually.TrueAsync(
            async () =>
            {
                sequence++;
                await server.PublishHeartRateAsync(topics, Withdrawn, sequence, Observed.AddSeconds((double)sequence));
                return server.ReadingsApplied(Withdrawn) > 0;
            },
            "a reading after monitoring consent applied");
    }

    private static async Task StreamBothAsync(TwinStateServer server, Kafka.KafkaTopics topics)
    {
        for (var sequence = 1ul; sequence <= Streamed; sequence++)
        {
            await server.PublishHeartRateAsync(topics, Withdrawn, sequence, Observed.AddSeconds((double)sequence));
            await server.PublishHeartRateAsync(topics, Other, sequence, Observed.AddSeconds((double)sequence));
        }
        await Eventually.TrueAsync(
            () => server.ReadingsApplied(Withdrawn) == Streamed && server.ReadingsApplied(Other) == Streamed, "both patients' readings applied");
    }

    /// <summary>Until the patient's twin is snapshotted on the twins topic and its readings are in history: there is something to erase.</summary>
    private async Task WaitForSnapshotAndHistoryAsync(TwinStateServer server, Kafka.KafkaTopics topics, string patientId)
    {
        await Eventually.TrueAsync(
            () => TopicRecords.Read(cluster.Kafka.BootstrapServers, topics.Twins).Any(r => r.Key == patientId && r.Value is not null),
            "the patient's twin snapshotted on the twins topic");
        await Eventually.TrueAsync(
            async () => (await server.History.QueryAsync(StoredHistoryOf(patientId), CancellationToken.None)).SingleOrDefault()?.Points.Count == Streamed,
            "the patient's readings in history");
    }

    /// <summary>Until a checkpoint after every event so far: then history holds whatever the consumer kept of them.</summary>
    private static async Task CheckpointedAsync(TwinStateServer server, Kafka.KafkaTopics topics)
    {
        var marker = $"patient-marker-{Guid.NewGuid():N}";
        await server.PublishHeartRateAsync(topics, marker, 1, Observed);
        await Eventually.TrueAsync(
            async () => (await server.History.QueryAsync(StoredHistoryOf(marker), CancellationToken.None)).Count == 1,
            "a reading published last written to history");
    }

    private bool HasTombstone(Kafka.KafkaTopics topics, string patientId) =>
        TopicRecords.Read(cluster.Kafka.BootstrapServers, topics.Twins).Any(r => r.Key == patientId && r.Value is null);

    private static GetVitalHistoryRequest HistoryOf(string patientId) =>
        new() { PatientId = patientId, From = Timestamp.FromDateTimeOffset(Observed.AddHours(-1)) };

    private static HistoryQuery StoredHistoryOf(string patientId) =>
        new(patientId, [], Observed.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null);
}
