using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// Two TwinState replicas in one consumer group, over real gRPC and the embedded Kafka: a call for a patient the
/// other replica holds is relayed to it, and it is the holder that authorises and audits.
/// </summary>
public sealed class RoutingTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Ward = "ward-routed";
    private const string Purpose = "TREAT";

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

    private static Metadata PurposeHeaders() => new() { { ApiAuthentication.PurposeHeader, Purpose } };

    /// <summary>
    /// Two replicas in one group, each holding one partition and knowing where the other's is served, and a patient
    /// on the first one's partition with a reading and a ward.
    /// </summary>
    private async Task<(TwinStateServer Holder, TwinStateServer Relay, string PatientId)> TwoReplicasAndAPatientHeldByTheFirstAsync(KafkaTopics topics)
    {
        var group = $"test-twin-state-{Guid.NewGuid():N}";
        // The mock holds a rebalance until every member rejoined or timed out, so a short session timeout.
        var settings = new Dictionary<string, string?> { ["Kafka:SessionTimeout"] = "00:00:06" };
        var holder = await TwinStateServer.StartAsync(cluster, topics, group, settings);
        var relay = await TwinStateServer.StartAsync(cluster, topics, group, settings);
        try
        {
            var holderDirectory = holder.Services.GetRequiredService<OwnershipDirectory>();
            var relayDirectory = relay.Services.GetRequiredService<OwnershipDirectory>();
            var candidates = Enumerable.Range(1, 32).Select(n => $"patient-routed-{n}").ToList();
            string? patientId = null;
            await Eventually.TrueAsync(
                () => candidates.Any(id => relayDirectory.OwnerOf(id).IsLocal)
                    && (patientId = candidates.FirstOrDefault(id => holderDirectory.OwnerOf(id).IsLocal && relayDirectory.OwnerOf(id).Address is { Length: > 0 })) is not null,
                "each replica holding a partition, the relay knowing where the holder's is served");

            await holder.PublishHeartRateAsync(topics, patientId!, sequence: 1, DateTimeOffset.UtcNow);
            await Eventually.TrueAsync(() => holder.ReadingsApplied(patientId!) == 1, "the reading applied by the holder");
            await holder.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = patientId, Context = new PatientContext { Ward = Ward }, RecordedBy = "ward-clerk" });
            return (holder, relay, patientId!);
        }
        catch
        {
            await relay.DisposeAsync();
            await holder.DisposeAsync();
            throw;
        }
    }
}
