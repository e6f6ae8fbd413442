using System.Collections.Concurrent;

namespace VitalTwin.Notification;

/// <summary>
/// Which partition each patient's events arrive on, so an alert can be filed under the partition whose owner
/// runs its lifecycle (the alerts topic is co-partitioned with the topics Notification reads).
/// </summary>
internal sealed class PatientPartitions
{
    private readonly ConcurrentDictionary<string, int> _partitions = new(StringComparer.Ordinal);

    public void Remember(string patientId, int partition) => _partitions[patientId] = partition;

    public bool TryGet(string patientId, out int partition) => _partitions.TryGetValue(patientId, out partition);

    /// <summary>The patients of one partition.</summary>
    public IReadOnlyList<string> Of(int partition) => [.. _partitions.Where(p => p.Value == partition).Select(p => p.Key)];

    /// <summary>Forgets the patients of partitions this instance no longer owns, and says who they were.</summary>
    public IReadOnlyList<string> Forget(IReadOnlySet<int> partitions)
    {
        var forgotten = new List<string>();
        foreach (var (patientId, partition) in _partitions)
        {
            if (partitions.Contains(partition) && _partitions.TryRemove(new KeyValuePair<string, int>(patientId, partition)))
            {
                forgotten.Add(patientId);
            }
        }
        return forgotten;
    }
}
