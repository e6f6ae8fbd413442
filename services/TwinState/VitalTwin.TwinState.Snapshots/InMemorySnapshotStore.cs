using System.Globalization;

namespace VitalTwin.TwinState.Snapshots;

/// <summary>The embedded default: snapshots live as long as the process. Thread-safe.</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);
    private long _version;

    public Task SaveAsync(IReadOnlyList<Snapshot> snapshots, CancellationToken ct)
    {
        SnapshotValidation.ThrowIfInvalid(snapshots);
        ct.ThrowIfCancellationRequested();

        // Copied outside the lock: the caller may reuse its buffers as soon as this returns.
        var copies = snapshots.Select(s => (s.Key, Data: (ReadOnlyMemory<byte>)s.Data.ToArray(), s.ETag)).ToArray();
        lock (_gate)
        {
            // All ETags are checked before anything is written, so a conflict leaves the store untouched.
            foreach (var (key, _, etag) in copies)
            {
                if (etag is not null && !(_snapshots.TryGetValue(key, out var current) && current.ETag == etag))
                {
                    throw new SnapshotConflictException("A snapshot was changed since it was loaded: its ETag no longer matches.");
                }
            }

            foreach (var (key, data, _) in copies)
            {
                _snapshots[key] = new Snapshot(key, data, (++_version).ToString(CultureInfo.InvariantCulture));
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Snapshot>> LoadAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        var distinct = SnapshotValidation.DistinctKeys(keys);
        ct.ThrowIfCancellationRequested();

        var found = new List<Snapshot>(distinct.Count);
        lock (_gate)
        {
            foreach (var key in distinct)
            {
                if (_snapshots.TryGetValue(key, out var snapshot))
                {
                    found.Add(snapshot);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<Snapshot>>(found);
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        SnapshotValidation.ThrowIfInvalidKey(key, nameof(key));
        ct.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _snapshots.Remove(key);
        }

        return Task.CompletedTask;
    }
}
