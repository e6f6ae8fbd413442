using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Snapshots;

namespace VitalTwin.TwinState.Durability;

/// <summary>Twins in the configured snapshot store (a Dapr state store in clusters that run sidecars).</summary>
internal sealed partial class StoreTwinSnapshots(ISnapshotStore store, ILogger<StoreTwinSnapshots> logger) : ITwinSnapshots
{
    public Task SaveAsync(int partition, IReadOnlyList<TwinSnapshot> twins, CancellationToken cancellationToken) =>
        store.SavePartitionAsync(partition, twins.Select(t => new Snapshot(t.PatientId, t.ToBytes())).ToList(), cancellationToken);

    public Task EraseAsync(int partition, string patientId, CancellationToken cancellationToken) =>
        store.RemoveFromPartitionAsync(partition, patientId, cancellationToken);

    public async Task<IReadOnlyList<TwinSnapshot>> LoadAsync(int partition, CancellationToken cancellationToken)
    {
        var twins = new List<TwinSnapshot>();
        foreach (var snapshot in await store.LoadPartitionAsync(partition, cancellationToken))
        {
            try
            {
                twins.Add(TwinSnapshot.FromBytes(snapshot.Data.ToArray()));
            }
            catch (InvalidDataException)
            {
                LogDropped(logger, partition);
            }
        }
        return twins;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A twin snapshot of partition {Partition} could not be read; that twin is rebuilt from the readings still in Kafka")]
    private static partial void LogDropped(ILogger logger, int partition);
}
