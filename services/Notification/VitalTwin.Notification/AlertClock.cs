using VitalTwin.Notification.Core;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification;

/// <summary>
/// Lets time pass for the policy: a condition that stays clear resolves its alert even when no further event
/// arrives for the patient (the twin sends events only on change). Also trims the alert book.
/// </summary>
internal sealed partial class AlertClock(AlertPolicy policy, AlertDispatcher dispatcher, AlertBook book, TimeProvider clock, ILogger<AlertClock> logger)
    : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetUtcNow();
                try
                {
                    await dispatcher.ApplyAsync(policy.Advance(now), $"clock/{now.UtcTicks}", stoppingToken);
                    book.Prune();
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // A clearance lost here leaves its alert open for a clinician to resolve; publishing fails only when
                    // Kafka stays unreachable beyond the producer's own retries, and the next tick goes on.
                    LogTickFailed(logger, error);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clearing alerts whose condition cleared failed; retrying at the next tick")]
    private static partial void LogTickFailed(ILogger logger, Exception error);
}
