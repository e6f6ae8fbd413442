using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification;

/// <summary>
/// The event time of each partition this instance owns (see <see cref="PartitionWatermark"/>): the newest time of
/// the twin events and anomalies consumed from it. Each tick it passes lets the clear times and quiet periods of the
/// partition's patients run out, on the consumer before the event that passed it, or on the wall clock
/// (<see cref="AlertClock"/>) when the partition has gone silent.
/// </summary>
internal sealed class AlertClocks(
    AlertPolicy policy,
    AlertDispatcher dispatcher,
    PatientPartitions patients,
    IOptions<AlertClockOptions> options,
    TimeProvider clock)
{
    private readonly ConcurrentDictionary<int, PartitionWatermark> _partitions = new();

    /// <param name="restored">The newest reading time in the partition's alert history: where its event time resumes.</param>
    public void Start(int partition, DateTimeOffset? restored) =>
        _partitions[partition] = new PartitionWatermark(options.Value.Tick, options.Value.SilentPartitionAfter, clock, restored);

    public void Stop(int partition) => _partitions.TryRemove(partition, out _);

    /// <summary>An event of <paramref name="eventTime"/> arrived on the partition: runs the ticks it passed, before it is applied.</summary>
    public async Task ObserveAsync(int partition, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        if (_partitions.TryGetValue(partition, out var watermark))
        {
            await RunAsync(partition, watermark.Observe(eventTime), cancellationToken);
        }
    }

    /// <summary>Wall clock: runs on the event time of the partitions gone silent.</summary>
    public async Task AdvanceSilentAsync(CancellationToken cancellationToken)
    {
        foreach (var (partition, watermark) in _partitions)
        {
            await RunAsync(partition, watermark.AdvanceIfIdle(), cancellationToken);
        }
    }

    private async Task RunAsync(int partition, IReadOnlyList<DateTimeOffset> ticks, CancellationToken cancellationToken)
    {
        if (ticks.Count == 0)
        {
            return;
        }
        var ofPartition = patients.Of(partition);
        foreach (var tick in ticks)
        {
            foreach (var patientId in ofPartition)
            {
                var outcome = policy.Advance([patientId], tick);
                if (!outcome.IsEmpty)
                {
                    // A source id of its own for each patient's decisions at a tick, the same when the tick is run again
                    // after a restart. A digest keeps the patient id out of it.
                    await dispatcher.ApplyAsync(outcome, $"clock/{tick.UtcTicks}/{Digest(patientId)}", cancellationToken);
                }
            }
        }
    }

    private static string Digest(string patientId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(patientId)).AsSpan(0, 8));
}
