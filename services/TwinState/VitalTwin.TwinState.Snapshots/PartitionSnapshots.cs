using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VitalTwin.TwinState.Snapshots;

/// <summary>
/// Snapshots a Kafka partition's twins as a whole. The store cannot list keys, so each partition keeps an index
/// snapshot under <see cref="IndexKey"/> naming the keys of the twins it holds; the new owner of a partition reads
/// the index, then the twins. A twin is stored under <see cref="TwinKey"/>, never under its bare patient id, so no
/// patient id can take a partition's index key.
/// </summary>
public static class PartitionSnapshots
{
    private const string IndexKeyPrefix = "partition-";
    private const string TwinKeyPrefix = "twin:";

    /// <summary>The key of a partition's index snapshot.</summary>
    public static string IndexKey(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        return IndexKeyPrefix + partition.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The key under which the twin of <paramref name="patientId"/> is stored.</summary>
    public static string TwinKey(string patientId)
    {
        SnapshotValidation.ThrowIfInvalidKey(patientId, nameof(patientId));
        return TwinKeyPrefix + patientId;
    }

    /// <summary>
    /// Saves the twins (each <see cref="Snapshot.Key"/> a patient id), then replaces the partition's index with
    /// exactly their keys. Twins left out stay in the store, unreferenced, until deleted: after a change of
    /// partition count another partition may own them now.
    /// </summary>
    public static async Task SavePartitionAsync(this ISnapshotStore store, int partition, IReadOnlyList<Snapshot> twins, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        SnapshotValidation.ThrowIfInvalid(twins);
        var stored = twins.Select(t => t with { Key = TwinKey(t.Key) }).ToList();

        // Twins first: a crash between the two writes leaves the old index, and every key it names still loads.
        if (stored.Count > 0)
        {
            await store.SaveAsync(stored, ct);
        }

        // The index names the stored keys themselves, so a previous version still running during a rolling
        // upgrade loads the twins this one saved.
        var index = new PartitionIndex([.. stored.Select(t => t.Key)], PartitionIndex.PrefixedKeys);
        await store.SaveAsync([new Snapshot(IndexKey(partition), Serialize(index))], ct);
    }

    /// <summary>
    /// Erases one twin of a partition: its key leaves the partition's index, then its snapshot is deleted. A crash
    /// between the two leaves an unreferenced snapshot no owner loads; repeating the call deletes it.
    /// </summary>
    public static async Task RemoveFromPartitionAsync(this ISnapshotStore store, int partition, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var twinKey = TwinKey(patientId);
        var indexKey = IndexKey(partition);

        var found = await store.LoadAsync([indexKey], ct);
        if (found.Count > 0 && ReadIndex(found[0], partition) is { Keys: { } keys } index)
        {
            var listed = index.Format == PartitionIndex.PrefixedKeys ? twinKey : patientId;
            if (keys.Contains(listed, StringComparer.Ordinal))
            {
                var rest = index with { Keys = [.. keys.Where(k => !string.Equals(k, listed, StringComparison.Ordinal))] };
                // The ETag makes a checkpoint that rewrote the index meanwhile win; the caller retries on the conflict.
                await store.SaveAsync([new Snapshot(indexKey, Serialize(rest), found[0].ETag)], ct);
            }
        }

        await store.DeleteAsync(twinKey, ct);
        // The previous version stored twins under the bare patient id: an erasure erases that copy too. A bare id
        // that is some partition's index key was never a twin (or has since been overwritten by that index).
        if (!IsIndexKey(patientId))
        {
            await store.DeleteAsync(patientId, ct);
        }
    }

    /// <summary>
    /// The twins named by the partition's index, each keyed by its patient id; empty when the partition was never
    /// saved. An index written by the previous version, which named twins by their bare patient ids, loads too.
    /// </summary>
    public static async Task<IReadOnlyList<Snapshot>> LoadPartitionAsync(this ISnapshotStore store, int partition, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var found = await store.LoadAsync([IndexKey(partition)], ct);
        if (found.Count == 0 || ReadIndex(found[0], partition) is not { Keys.Count: > 0 } index)
        {
            return [];
        }

        var twins = await store.LoadAsync(index.Keys, ct);
        return index.Format == PartitionIndex.PrefixedKeys
            ? [.. twins.Select(t => t with { Key = t.Key[TwinKeyPrefix.Length..] })]
            : twins;
    }

    private static bool IsIndexKey(string key) =>
        key.StartsWith(IndexKeyPrefix, StringComparison.Ordinal)
        && int.TryParse(key.AsSpan(IndexKeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static byte[] Serialize(PartitionIndex index) => JsonSerializer.SerializeToUtf8Bytes(index, PartitionIndexJsonContext.Default.PartitionIndex);

    private static PartitionIndex ReadIndex(Snapshot stored, int partition)
    {
        try
        {
            return JsonSerializer.Deserialize(stored.Data.Span, PartitionIndexJsonContext.Default.PartitionIndex) ?? new PartitionIndex([]);
        }
        catch (JsonException ex)
        {
            throw new SnapshotStoreException($"The index of partition {partition} is not a partition index.", ex);
        }
    }
}

/// <param name="Keys">The stored keys of the partition's twins.</param>
/// <param name="Format">
/// <see cref="BarePatientIds"/> (absent in indexes the previous version wrote): the keys are patient ids;
/// <see cref="PrefixedKeys"/>: each key is <see cref="PartitionSnapshots.TwinKey"/> of a patient id.
/// </param>
internal sealed record PartitionIndex(IReadOnlyList<string> Keys, int Format = PartitionIndex.BarePatientIds)
{
    public const int BarePatientIds = 1;
    public const int PrefixedKeys = 2;
}

[JsonSerializable(typeof(PartitionIndex))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class PartitionIndexJsonContext : JsonSerializerContext;
