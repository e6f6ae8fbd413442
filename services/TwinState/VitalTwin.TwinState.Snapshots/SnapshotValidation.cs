namespace VitalTwin.TwinState.Snapshots;

// Both stores reject the same bad input the same way, before touching any state.
internal static class SnapshotValidation
{
    public static void ThrowIfInvalid(IReadOnlyList<Snapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var seen = new HashSet<string>(snapshots.Count, StringComparer.Ordinal);
        for (var i = 0; i < snapshots.Count; i++)
        {
            var snapshot = snapshots[i] ?? throw new ArgumentException($"Snapshot {i} is null.", nameof(snapshots));
            ThrowIfInvalidKey(snapshot.Key, nameof(snapshots));
            if (!seen.Add(snapshot.Key))
            {
                // The key itself is a patient id: name the position, not the value.
                throw new ArgumentException($"Snapshot {i} repeats a key saved earlier in the same call.", nameof(snapshots));
            }
        }
    }

    public static IReadOnlyList<string> DistinctKeys(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<string>(keys.Count);
        var seen = new HashSet<string>(keys.Count, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ThrowIfInvalidKey(key, nameof(keys));
            if (seen.Add(key))
            {
                distinct.Add(key);
            }
        }

        return distinct;
    }

    public static void ThrowIfInvalidKey(string key, string paramName)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException("Snapshot keys must be non-empty.", paramName);
        }
    }
}
