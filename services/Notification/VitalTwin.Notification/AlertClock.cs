using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification;

/// <summary>
/// The alert policy's wall-clock timer, for silence only: every second it lets event time run on for partitions from
/// which nothing arrived for <see cref="AlertClockOptions.SilentPartitionAfter"/> (TwinState reports only changes,
/// so a condition that stays clear would otherwise never resolve), and trims the alert book. Clear times and quiet
/// periods otherwise run in event time on the consumer (<see cref="AlertClocks"/>). Escalation is a different clock
/// again: the lifecycle's timers run on the wall clock, because a nurse has two minutes of real time to answer.
/// </summary>
internal sealed partial class AlertClock(AlertClocks clocks, AlertBook book, TimeProvider clock, ILogger<AlertClock> logger)
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
                try
                {
                    await clocks.AdvanceSilentAsync(stoppingToken);
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
