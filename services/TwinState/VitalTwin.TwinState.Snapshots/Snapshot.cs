namespace VitalTwin.TwinState.Snapshots;

/// <summary>One stored twin: <paramref name="Key"/> is the patient id, <paramref name="Data"/> the serialized twin.</summary>
/// <param name="ETag">
/// As loaded: the store's version of the value. On save: <see langword="null"/> overwrites whatever is stored;
/// a value writes only if the stored version still matches, otherwise the save fails with
/// <see cref="SnapshotConflictException"/>.
/// </param>
public sealed record Snapshot(string Key, ReadOnlyMemory<byte> Data, string? ETag = null);
