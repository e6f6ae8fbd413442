using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// The event time of each telemetry partition this instance owns (see <see cref="PartitionWatermark"/>) and the
/// patients whose twins it moves. The consumer starts and stops them as partitions come and go; the staleness
/// monitor reads them on the wall clock to notice a partition gone silent.
/// </summary>
internal sealed class TelemetryClocks(IOptions<TwinQueryOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<int, PartitionClock> _partitions = new();

    /// <param name="restored">The newest clock of the partition's restored twins: where its event time resumes.</param>
    public PartitionClock Start(int partition, DateTimeOffset? restored) =>
        _partitions[partition] = new PartitionClock(new PartitionWatermark(options.Value.StalenessCheckInterval, options.Value.SilentPartitionAfter, clock, restored));

    public void Stop(int partition) => _partitions.TryRemove(partition, out _);

    public IEnumerable<PartitionClock> All => _partitions.Values;
}

/// <summary>One partition's watermark and its patients (a set the monitor may read while the consumer adds to it).</summary>
internal sealed class PartitionClock(PartitionWatermark watermark) : IEnumerable<string>
{
    private readonly ConcurrentDictionary<string, byte> _patients = new(StringComparer.Ordinal);

    public PartitionWatermark Watermark { get; } = watermark;

    public int Count => _patients.Count;

    public bool Add(string patientId) => _patients.TryAdd(patientId, 0);

    public bool Remove(string patientId) => _patients.TryRemove(patientId, out _);

    public IEnumerator<string> GetEnumerator() => _patients.Keys.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
