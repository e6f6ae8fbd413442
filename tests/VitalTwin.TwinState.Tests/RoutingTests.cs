using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// Two TwinState replicas in one consumer group, over real gRPC and the embedded Kafka: a call for a patient the
/// other replica holds is relayed to it, and it is the holder that authorises and audits; lists and watches ask
/// every replica and merge the answers.
/// </summary>
public sealed class RoutingTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Ward = "ward-routed";
    private const string OtherWard = "ward-elsewhere";
    private const string Purpose = "TREAT";

    // The mock holds a rebalance until every member rejoined or timed out, so a short session timeout.
    private static readonly Dictionary<string, string?> ShortSession = new() { ["Kafka:SessionTimeout"] = "00:00:06" };

    [Fact]
    public async Task A_twin_held_by_another_replica_is_answered_through_this_one_and_the_holder_authorises_and_audits_the_call_once()
    {
        var topics = cluster.CreateTopics(partitions: 2);
        var (holder, relay, patientId) = await TwoReplicasAndAPatientHeldByTheFirstAsync(topics);
        await using (holder)
        await using (relay)
        {
            var allowed = $"clinician-routed-{Guid.NewGuid():N}";
            var refused = $"clinician-elsewhere-{Guid.NewGuid():N}";
            using var allowedChannel = ApiCallers.Channel(relay.Address, cluster.Tokens.Mint(allowed, [Roles.Clinician], [Ward]));
            using var refusedChannel = ApiCallers.Channel(relay.Address, cluster.Tokens.Mint(refused, [Roles.Clinician], ["ward-other"]));

            var twin = await new TwinQuery.TwinQueryClient(allowedChannel).GetTwinAsync(new GetTwinRequest { PatientId = patientId }, PurposeHeaders());
            var denied = await Assert.ThrowsAsync<RpcException>(() =>
                new TwinQuery.TwinQueryClient(refusedChannel).GetTwinAsync(new GetTwinRequest { PatientId = patientId }, PurposeHeaders()).ResponseAsync);

            Assert.Equal(patientId, twin.PatientId);
            Assert.Equal(Ward, twin.Context.Ward);
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
            // One record each, the holder's: it knew the ward (the relay holds no twin, and would have said "no twin here").
            var audited = AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.Audit).Select(r => AccessAudited.Parser.ParseFrom(r.Value)).ToList();
            var allowedRecord = Assert.Single(audited, a => a.Actor == allowed);
            Assert.Equal((AuditOutcome.Allowed, patientId, Purpose), (allowedRecord.Outcome, allowedRecord.PatientId, allowedRecord.Purpose));
            var refusedRecord = Assert.Single(audited, a => a.Actor == refused);
            Assert.Equal((AuditOutcome.Denied, $"ward {Ward} not granted", Purpose), (refusedRecord.Outcome, refusedRecord.Detail, refusedRecord.Purpose));
        }
    }

    [Fact]
    public async Task A_call_already_relayed_once_is_not_relayed_again_but_answered_unavailable_with_a_retry_hint()
    {
        var topics = cluster.CreateTopics(partitions: 2);
        var (holder, relay, patientId) = await TwoReplicasAndAPatientHeldByTheFirstAsync(topics);
        await using (holder)
        await using (relay)
        {
            var subject = $"clinician-relayed-{Guid.NewGuid():N}";
            using var channel = ApiCallers.Channel(relay.Address, cluster.Tokens.Mint(subject, [Roles.Clinician], [Ward]));
            var relayed = new Metadata { { PatientRouter.ForwardedHeader, "1" } };

            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                new TwinQuery.TwinQueryClient(channel).GetTwinAsync(new GetTwinRequest { PatientId = patientId }, relayed).ResponseAsync);

            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.NotNull(refused.Trailers.Get("grpc-retry-pushback-ms"));
            Assert.DoesNotContain(AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.Audit), r => AccessAudited.Parser.ParseFrom(r.Value).Actor == subject);
        }
    }

    [Fact]
    public async Task A_patients_partition_is_computed_as_the_producer_chooses_it()
    {
        var topics = cluster.CreateTopics(partitions: 6);
        using var host = cluster.BuildTwinState(topics);
        var producer = host.Services.GetRequiredService<EventProducer>();
        var patients = Enumerable.Range(1, 48).Select(n => $"patient-partitioned-{n}").ToList();

        var stored = new List<(string PatientId, int Partition)>();
        foreach (var patientId in patients)
        {
            var at = await producer.PublishAsync(topics.Telemetry, patientId, new GetTwinRequest { PatientId = patientId }, patientId, CancellationToken.None);
            stored.Add((patientId, at.Partition.Value));
        }

        Assert.Equal(stored, patients.Select(patientId => (patientId, PatientPartitioner.PartitionOf(patientId, 6))));
        Assert.True(stored.Select(s => s.Partition).Distinct().Count() > 1, "The patients are spread over the partitions.");
    }

    [Fact]
    public async Task Paging_through_the_twins_on_either_replica_lists_each_patient_of_the_callers_ward_once_in_patient_id_order()
    {
        var topics = cluster.CreateTopics(partitions: 2);
        var (first, second) = await TwoReplicasAsync(topics);
        await using (first)
        await using (second)
        {
            // Every other patient on another ward, on both partitions.
            var patients = Enumerable.Range(1, 12).Select(n => $"patient-listed-{n:D2}").ToList();
            foreach (var (patientId, n) in patients.Select((patientId, n) => (patientId, n)))
            {
                await PlaceAsync(topics, [first, second], patientId, n % 2 == 0 ? Ward : OtherWard);
            }
            var onWard = patients.Where((_, n) => n % 2 == 0).Order(StringComparer.Ordinal).ToList();
            Assert.All(new[] { first, second }, replica => Assert.Contains(onWard, patientId => replica.Twins.TryGet(patientId, out _)));
            var subject = $"clinician-listing-{Guid.NewGuid():N}";

            foreach (var replica in new[] { first, second })
            {
                using var channel = ApiCallers.Channel(replica.Address, cluster.Tokens.Mint(subject, [Roles.Clinician], [Ward]));
                var client = new TwinQuery.TwinQueryClient(channel);
                var listed = new List<string>();
                var request = new ListTwinsRequest { PageSize = 2 };
                do
                {
                    var page = await client.ListTwinsAsync(request, PurposeHeaders());
                    Assert.InRange(page.Twins.Count, 1, 2);
                    listed.AddRange(page.Twins.Select(t => t.PatientId));
                    request.PageToken = page.NextPageToken;
                }
                while (request.PageToken.Length > 0);

                Assert.Equal(onWard, listed);
            }
            // Each twin listed was recorded, and no other: each replica records the twins it returns (a replica that
            // returned none records the call with no patient, as an empty list always was).
            var audited = AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.Audit).Select(r => AccessAudited.Parser.ParseFrom(r.Value)).Where(a => a.Actor == subject).ToList();
            Assert.All(audited, a => Assert.Equal((AuditOutcome.Allowed, Purpose), (a.Outcome, a.Purpose)));
            Assert.Equal(onWard, audited.Select(a => a.PatientId).Where(id => id.Length > 0).Distinct().Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_watch_on_one_replica_sends_the_twins_the_other_replica_holds_as_they_are_and_then_as_they_change()
    {
        var topics = cluster.CreateTopics(partitions: 2);
        var (holder, relay, patientId) = await TwoReplicasAndAPatientHeldByTheFirstAsync(topics);
        await using (holder)
        await using (relay)
        {
            var heldHere = Enumerable.Range(1, 32).Select(n => $"patient-watched-{n}").First(id => relay.Services.GetRequiredService<OwnershipDirectory>().OwnerOf(id).IsLocal);
            await PlaceAsync(topics, [holder, relay], heldHere, Ward);
            using var channel = ApiCallers.Channel(relay.Address, cluster.Tokens.Mint($"clinician-watching-{Guid.NewGuid():N}", [Roles.Clinician], [Ward]));
            using var deadline = new CancellationTokenSource(TwinStateServer.Patience);
            using var watch = new TwinQuery.TwinQueryClient(channel).WatchTwins(new WatchTwinsRequest { Ward = Ward }, PurposeHeaders(), cancellationToken: deadline.Token);

            var initial = new List<(string, TwinChangeReason)>();
            while (initial.Count < 2)
            {
                Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
                initial.Add((watch.ResponseStream.Current.Twin.PatientId, watch.ResponseStream.Current.Reason));
            }
            await holder.PublishHeartRateAsync(topics, patientId, sequence: 2, DateTimeOffset.UtcNow);
            TwinChanged update;
            do
            {
                Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
                update = watch.ResponseStream.Current;
            }
            while (update.Twin.ReadingsApplied < 2);

            Assert.Equal(new[] { (heldHere, TwinChangeReason.Initial), (patientId, TwinChangeReason.Initial) }.Order(), initial.Order());
            Assert.Equal((patientId, TwinChangeReason.Updated, Ward), (update.Twin.PatientId, update.Reason, update.Twin.Context.Ward));
        }
    }

    [Fact]
    public async Task A_watch_ends_unavailable_with_a_retry_hint_when_partitions_change_holder_and_watching_again_sends_every_twin_anew()
    {
        var topics = cluster.CreateTopics(partitions: 3);
        var (holder, relay, patientId) = await TwoReplicasAndAPatientHeldByTheFirstAsync(topics);
        await using (holder)
        await using (relay)
        {
            using var channel = ApiCallers.Channel(relay.Address, cluster.Tokens.Mint($"clinician-rewatching-{Guid.NewGuid():N}", [Roles.Clinician], [Ward]));
            var client = new TwinQuery.TwinQueryClient(channel);
            using var opened = new CancellationTokenSource(TwinStateServer.Patience);
            using var watch = client.WatchTwins(new WatchTwinsRequest { Ward = Ward }, PurposeHeaders(), cancellationToken: opened.Token);
            Assert.True(await watch.ResponseStream.MoveNext(opened.Token));

            // A third replica joins: the group rebalances and the partitions are handed out again.
            var group = holder.Services.GetRequiredService<IOptions<KafkaOptions>>().Value.GroupId!;
            await using var joining = await TwinStateServer.StartAsync(cluster, topics, group, ShortSession);
            using var rebalanced = new CancellationTokenSource(TwinStateServer.Patience);
            var ended = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await watch.ResponseStream.MoveNext(rebalanced.Token))
                {
                }
            });
            // Watched again once every partition has a holder (until then UNAVAILABLE too), the patient is sent anew.
            TwinChanged? again = null;
            await Eventually.TrueAsync(
                async () =>
                {
                    using var rewatch = client.WatchTwins(new WatchTwinsRequest { Ward = Ward }, PurposeHeaders(), cancellationToken: rebalanced.Token);
                    try
                    {
                        again = await rewatch.ResponseStream.MoveNext(rebalanced.Token) ? rewatch.ResponseStream.Current : null;
                        return again is not null;
                    }
                    catch (RpcException refused) when (refused.StatusCode == StatusCode.Unavailable)
                    {
                        return false;
                    }
                },
                "the watch opened again once the partitions have their holders");

            Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
            Assert.NotNull(ended.Trailers.Get("grpc-retry-pushback-ms"));
            Assert.Equal((patientId, TwinChangeReason.Initial), (again!.Twin.PatientId, again.Reason));
        }
    }

    [Fact]
    public async Task A_list_or_watch_is_unavailable_with_a_retry_hint_while_a_replica_holding_some_twins_cannot_be_reached_never_partial()
    {
        var topics = cluster.CreateTopics(partitions: 2);
        // The other replica advertises an address nothing listens on: it holds its partition but cannot answer.
        var unreachable = new Dictionary<string, string?>(ShortSession) { ["Routing:AdvertisedAddress"] = "http://127.0.0.1:1" };
        var (gone, replica) = await TwoReplicasAsync(topics, unreachable);
        await using (gone)
        await using (replica)
        {
            var heldHere = Enumerable.Range(1, 32).Select(n => $"patient-unreached-{n}").First(id => replica.Services.GetRequiredService<OwnershipDirectory>().OwnerOf(id).IsLocal);
            await PlaceAsync(topics, [replica, gone], heldHere, Ward);
            using var channel = ApiCallers.Channel(replica.Address, cluster.Tokens.Mint($"clinician-unreached-{Guid.NewGuid():N}", [Roles.Clinician], [Ward]));
            var client = new TwinQuery.TwinQueryClient(channel);
            using var deadline = new CancellationTokenSource(TwinStateServer.Patience);

            var listed = await Assert.ThrowsAsync<RpcException>(() => client.ListTwinsAsync(new ListTwinsRequest(), PurposeHeaders(), cancellationToken: deadline.Token).ResponseAsync);
            var watched = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var watch = client.WatchTwins(new WatchTwinsRequest { Ward = Ward }, PurposeHeaders(), cancellationToken: deadline.Token);
                while (await watch.ResponseStream.MoveNext(deadline.Token))
                {
                }
            });

            Assert.All(new[] { listed, watched }, refused =>
            {
                Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
                Assert.NotNull(refused.Trailers.Get("grpc-retry-pushback-ms"));
            });
        }
    }

    private static Metadata PurposeHeaders() => new() { { ApiAuthentication.PurposeHeader, Purpose } };

    /// <summary>
    /// Two replicas in one group, each holding one partition and knowing where the other's is served, and a patient
    /// on the first one's partition with a reading and a ward.
    /// </summary>
    private async Task<(TwinStateServer Holder, TwinStateServer Relay, string PatientId)> TwoReplicasAndAPatientHeldByTheFirstAsync(KafkaTopics topics)
    {
        var (holder, relay) = await TwoReplicasAsync(topics);
        try
        {
            var patientId = Enumerable.Range(1, 32).Select(n => $"patient-routed-{n}").First(id => holder.Services.GetRequiredService<OwnershipDirectory>().OwnerOf(id).IsLocal);
            await PlaceAsync(topics, [holder, relay], patientId, Ward);
            return (holder, relay, patientId);
        }
        catch
        {
            await relay.DisposeAsync();
            await holder.DisposeAsync();
            throw;
        }
    }

    /// <summary>Two replicas in one group, each holding one partition and knowing where the other's is served.</summary>
    private async Task<(TwinStateServer First, TwinStateServer Second)> TwoReplicasAsync(KafkaTopics topics, IDictionary<string, string?>? firstSettings = null)
    {
        var group = $"test-twin-state-{Guid.NewGuid():N}";
        var first = await TwinStateServer.StartAsync(cluster, topics, group, firstSettings ?? ShortSession);
        var second = await TwinStateServer.StartAsync(cluster, topics, group, ShortSession);
        try
        {
            await Eventually.TrueAsync(
                () => KnowsTheOther(first) && KnowsTheOther(second),
                "each replica holding a partition, and knowing where the other's is served");
            return (first, second);
        }
        catch
        {
            await second.DisposeAsync();
            await first.DisposeAsync();
            throw;
        }

        static bool KnowsTheOther(TwinStateServer replica)
        {
            var directory = replica.Services.GetRequiredService<OwnershipDirectory>();
            return Enumerable.Range(1, 32).Any(n => directory.OwnerOf($"patient-routed-{n}").IsLocal)
                && directory.OtherHolders() is [{ Length: > 0 }];
        }
    }

    /// <summary>A twin for <paramref name="patientId"/>, made by the replica holding it, on <paramref name="ward"/>.</summary>
    private static async Task PlaceAsync(KafkaTopics topics, TwinStateServer[] replicas, string patientId, string ward)
    {
        await replicas[0].PublishHeartRateAsync(topics, patientId, sequence: 1, DateTimeOffset.UtcNow);
        await Eventually.TrueAsync(() => replicas.Sum(replica => (long)replica.ReadingsApplied(patientId)) == 1, "the reading applied by the replica holding the patient");
        // Relayed to the holder when it is the other one.
        await replicas[0].Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = patientId, Context = new PatientContext { Ward = ward }, RecordedBy = "ward-clerk" });
    }
}
