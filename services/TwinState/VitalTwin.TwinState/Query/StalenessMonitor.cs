using Microsoft.Extensions.Options;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// Advances every twin's clock so that a vital that stopped arriving turns stale (and leaves NEWS2) and
/// expired anomalies close even when no reading comes; watchers hear of each twin that changed.
/// </summary>
internal sealed class StalenessMonitor(TwinRegistry twins, TwinChangeFeed changes, TimeProvider clock, IOptions<TwinQueryOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StalenessCheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var patientId in twins.RefreshStaleness(clock.GetUtcNow()))
                {
                    changes.Publish(patientId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
