using Confluent.Kafka;
using Grpc.Core;
using Metadata = Grpc.Core.Metadata;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.DevHost;

/// <summary>
/// Places each patient of the run on a ward as their twin appears (the first event of theirs on the twin-events
/// topic), alternately on each of <see cref="Names"/>, as an admission system would: ward-scoped tokens then see
/// some patients and not others. One audited SetPatientContext per patient.
/// </summary>
public sealed class DemoWards(LocalCluster cluster, Action<string> report)
{
    public static readonly IReadOnlyList<string> Names = ["ward-a", "ward-b"];

    /// <summary>Places patients until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Place(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Place(CancellationToken cancellationToken)
    {
        using var channel = cluster.Channel("TwinState", cluster.Tokens.Mint("demo-admissions", [Roles.Clinician], [Caller.EveryWard], TimeSpan.FromDays(7)));
        var twins = new TwinQuery.TwinQueryClient(channel);
        var purpose = new Metadata { { ApiAuthentication.PurposeHeader, "HOPERAT" } };
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.Kafka.BootstrapServers,
            GroupId = $"vitaltwin-devhost-wards-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 50,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe(cluster.Topics.TwinEvents);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var patientId = consumer.Consume(cancellationToken).Message.Key;
                if (string.IsNullOrEmpty(patientId) || !placed.Add(patientId))
                {
                    continue;
                }
                var ward = Names[(placed.Count - 1) % Names.Count];
                try
                {
                    twins.SetPatientContext(
                        new SetPatientContextRequest { PatientId = patientId, Context = new PatientContext { Ward = ward }, RecordedBy = "demo-admissions" },
                        purpose,
                        cancellationToken: cancellationToken);
                }
                catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
                {
                    // A patient whose twin is gone (consent withdrawn) stays unplaced; the status says why, not who.
                    report($"a patient could not be placed on {ward}: {ex.StatusCode}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }
}
