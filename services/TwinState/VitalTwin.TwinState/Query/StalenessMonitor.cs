using Confluent.Kafka;
using Microsoft.Extensions.Options;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// The wall-clock half of staleness, and only for "this device has gone silent now": every
/// <see cref="TwinQueryOptions.StalenessCheckInterval"/> of wall time it looks for telemetry partitions from which
/// nothing at all arrived for <see cref="TwinQueryOptions.SilentPartitionAfter"/>, and lets their event time run on
/// from their last reading (<see cref="Kafka.PartitionWatermark.AdvanceIfIdle"/>), so their vitals turn stale and
/// leave NEWS2. Everything else about time (a vital silent while its partition's others arrive, anomalies expiring)
/// runs in event time on the consumer, at the ticks the readings pass; a replay never waits for this monitor.
/// Watchers hear of each twin that changed, the twin-events topic of each vital that turned stale.
/// </summary>
internal sealed partial class StalenessMonitor(
    TwinRegistry twins,
    TelemetryClocks clocks,
    TwinChangeFeed changes,
    StalenessAnnouncer staleness,
    TimeProvider clock,
    IOptions<TwinQueryOptions> options,
    ILogger<StalenessMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StalenessCheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var partition in clocks.All)
                {
                    foreach (var tick in partition.Watermark.AdvanceIfIdle())
                    {
                        await RefreshAsync(partition, tick, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshAsync(PartitionClock partition, DateTimeOffset tick, CancellationToken cancellationToken)
    {
        var (refreshed, announced) = staleness.Refresh(twins, partition, tick, cancellationToken);
        foreach (var twin in refreshed)
        {
            changes.Publish(twin.PatientId);
        }
        try
        {
            await announced;
        }
        catch (KafkaException e)
        {
            // librdkafka gave up after its own retries; the monitor must keep running for the other twins.
            LogNotAnnounced(logger, e.Error.Code);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Vitals that turned stale could not all be announced ({Code}); Notification will not hear of them")]
    private static partial void LogNotAnnounced(ILogger logger, ErrorCode code);
}
