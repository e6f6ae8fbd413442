using Confluent.Kafka;
using Microsoft.Extensions.Options;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// Advances every twin's clock so that a vital that stopped arriving turns stale (and leaves NEWS2) and
/// expired anomalies close even when no reading comes; watchers hear of each twin that changed, and the
/// twin-events topic of each vital that turned stale.
/// </summary>
internal sealed partial class StalenessMonitor(
    TwinRegistry twins,
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
                var (refreshed, announced) = staleness.Refresh(twins, clock.GetUtcNow(), stoppingToken);
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
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Vitals that turned stale could not all be announced ({Code}); Notification will not hear of them")]
    private static partial void LogNotAnnounced(ILogger logger, ErrorCode code);
}
