namespace VitalTwin.TwinState.Snapshots;

/// <summary>
/// Where twin snapshots survive a restart or a partition moving to another instance. Stores have no key
/// listing, so an owner finds its twins through a partition index (see <see cref="PartitionSnapshots"/>).
/// </summary>
public interface ISnapshotStore
{
    /// <summary>Writes every snapshot; keys must be distinct. Not atomic across keys.</summary>
    /// <exception cref="SnapshotConflictException">A snapshot carried an ETag that no longer matches.</exception>
    /// <exception cref="SnapshotStoreException">The store failed after any retries.</exception>
    Task SaveAsync(IReadOnlyList<Snapshot> snapshots, CancellationToken ct);

    /// <summary>The snapshots found, in the order of <paramref name="keys"/>; missing keys are left out.</summary>
    /// <exception cref="SnapshotStoreException">The store failed after any retries.</exception>
    Task<IReadOnlyList<Snapshot>> LoadAsync(IReadOnlyList<string> keys, CancellationToken ct);

    /// <summary>Removes a snapshot; removing a missing key is not an error.</summary>
    /// <exception cref="SnapshotStoreException">The store failed after any retries.</exception>
    Task DeleteAsync(string key, CancellationToken ct);
}
