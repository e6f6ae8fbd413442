using Confluent.Kafka;

namespace VitalTwin.Kafka;

/// <summary>
/// The partition numbers a consumer of co-partitioned topics holds. librdkafka assigns and revokes partitions topic by
/// topic, but a consumer that joins its topics by patient keeps its state per partition number: a number is taken
/// with the first of its topics' partitions and let go with the last. Used on the consuming thread only.
/// </summary>
public sealed class HeldPartitions
{
    private readonly Dictionary<int, HashSet<string>> _held = [];

    /// <summary>Records assigned partitions; returns the numbers not held before, whose state is to be restored.</summary>
    public IReadOnlyList<int> Take(IEnumerable<TopicPartition> assigned)
    {
        ArgumentNullException.ThrowIfNull(assigned);
        var taken = new List<int>();
        foreach (var partition in assigned)
        {
            if (!_held.TryGetValue(partition.Partition.Value, out var topics))
            {
                topics = new HashSet<string>(StringComparer.Ordinal);
                _held[partition.Partition.Value] = topics;
                taken.Add(partition.Partition.Value);
            }
            topics.Add(partition.Topic);
        }
        return taken;
    }

    /// <summary>Records revoked partitions; returns the numbers no longer held, whose state is to be dropped.</summary>
    public IReadOnlyList<int> Release(IEnumerable<TopicPartition> revoked)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        var released = new List<int>();
        foreach (var partition in revoked)
        {
            if (_held.TryGetValue(partition.Partition.Value, out var topics) && topics.Remove(partition.Topic) && topics.Count == 0)
            {
                _held.Remove(partition.Partition.Value);
                released.Add(partition.Partition.Value);
            }
        }
        return released;
    }

    /// <summary>
    /// Records lost partitions: another member may hold their numbers already, so every number they name is let go at
    /// once, whatever other topics of it are still assigned. Returns the numbers that were held.
    /// </summary>
    public IReadOnlyList<int> Lose(IEnumerable<TopicPartition> lost)
    {
        ArgumentNullException.ThrowIfNull(lost);
        return [.. lost.Select(partition => partition.Partition.Value).Distinct().Where(_held.Remove)];
    }
}
