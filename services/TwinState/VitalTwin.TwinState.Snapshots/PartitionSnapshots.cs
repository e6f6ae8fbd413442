using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VitalTwin.TwinState.Snapshots;

/// <summary>
/// Snapshots a Kafka partition's twins as a whole. The store cannot list keys, so each partition keeps an index
/// snapshot under <see cref="IndexKey"/> naming the patient keys it holds; the new owner of a partition reads
/// the index, then the twins.
/// </summary>
public static class PartitionSnapshots
{
    private const string IndexKeyPrefix = "partition-";

    /// <summary>The key of a partition's index snapshot.</summary>
    public static string IndexKey(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        return IndexKeyPrefix + partition.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Saves the twins, then replaces the partition's index with exactly their keys. Twins left out stay in the
    /// store, unreferenced, until deleted: after a change of partition count another partition may own them now.
    /// </summary>
    public static async Task SavePartitionAsync(this ISnapshotStore store, int partition, IReadOnlyList<Snapshot> twins, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(twins);
        var indexKey = IndexKey(partition);
        if (twins.Any(t => t is not null && string.Equals(t.Key, indexKey, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"A twin key may not be '{indexKey}': that key holds the partition index.", nameof(twins));
        }

        // Twins first: a crash between the two writes leaves the old index, and every key it names still loads.
        if (twins.Count > 0)
        {
            await store.SaveAsync(twins, ct);
        }

        var index = new PartitionIndex([.. twins.Select(t => t.Key)]);
        var data = JsonSerializer.SerializeToUtf8Bytes(index, PartitionIndexJsonContext.Default.PartitionIndex);
        await store.SaveAsync([new Snapshot(indexKey, data)], ct);
    }

    /// <summary>
    /// Erases one twin of a partition: its key leaves the partition's index, then its snapshot is deleted. A crash
    /// between the two leaves an unreferenced snapshot no owner loads; repeating the call deletes it.
    /// </summary>
    public static async Task RemoveFromPartitionAsync(this ISnapshotStore store, int partition, string key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        SnapshotValidation.ThrowIfInvalidKey(key, nameof(key));
        var indexKey = IndexKey(partition);
        if (string.Equals(key, indexKey, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The key '{indexKey}' holds the partition index, not a twin.", nameof(key));
        }

        var found = await store.LoadAsync([indexKey], ct);
        if (found.Count > 0 && ReadIndex(found[0], partition).Keys is { } keys && keys.Contains(key, StringComparer.Ordinal))
        {
            var index = new PartitionIndex([.. keys.Where(k => !string.Equals(k, key, StringComparison.Ordinal))]);
            var data = JsonSerializer.SerializeToUtf8Bytes(index, PartitionIndexJsonContext.Default.PartitionIndex);
            // The ETag makes a checkpoint that rewrote the index meanwhile win; the caller retries on the conflict.
            await store.SaveAsync([new Snapshot(indexKey, data, found[0].ETag)], ct);
        }

        await store.DeleteAsync(key, ct);
    }

    /// <summary>The twins named by the partition's index; empty when the partition was never saved.</summary>
    public static async Task<IReadOnlyList<Snapshot>> LoadPartitionAsync(this ISnapshotStore store, int partition, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var found = await store.LoadAsync([IndexKey(partition)], ct);
        if (found.Count == 0)
        {
            return [];
        }

        if (ReadIndex(found[0], partition).Keys is not { Count: > 0 } keys)
        {
            return [];
        }

        return await store.LoadAsync(keys, ct);
    }

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

internal sealed record PartitionIndex(IReadOnlyList<string> Keys);

[JsonSerializable(typeof(PartitionIndex))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class PartitionIndexJsonContext : JsonSerializerContext;
