using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// Keeps a background service running until the host stops. The host only watches the hosted services it
/// started itself; a consumer started here whose loop ends on an error (e.g. Kafka's max poll interval passed
/// during a long outage of its subscriber, so its offsets can no longer be stored) would otherwise stop
/// delivering in silence. A new instance resumes from the committed offsets, so nothing is skipped.
/// </summary>
internal static partial class Supervision
{
    private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(5);

    /// <param name="stoppingToken">The host asks to stop: the service is stopped gracefully.</param>
    /// <param name="hostGaveUp">The host stopped waiting for that (its shutdown timeout): passed on to the service's stop.</param>
    public static async Task RunAsync<TService>(
        string name,
        Func<TService> create,
        Action<TService> started,
        TimeSpan restartDelay,
        TimeProvider clock,
        ILogger logger,
        CancellationToken stoppingToken,
        CancellationToken hostGaveUp)
        where TService : BackgroundService
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var service = create();
            try
            {
                await service.StartAsync(stoppingToken);
                started(service);
                await (service.ExecuteTask ?? Task.CompletedTask).WaitAsync(stoppingToken);
                LogEnded(logger, name, restartDelay);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await service.StopAsync(hostGaveUp);
                // When the host gave up waiting, the loop is told to abandon its event but has yet to notice:
                // what it uses (the HTTP client, the producer) must not be disposed under it, or a cancelled
                // delivery could look like a failed one.
                if (service.ExecuteTask is { IsCompleted: false } loop
                    && await Task.WhenAny(loop, Task.Delay(AbandonGrace, clock, CancellationToken.None)) != loop)
                {
                    LogNotLetGo(logger, name, AbandonGrace);
                }
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, name, restartDelay, ex);
            }
            finally
            {
                service.Dispose();
            }
            try
            {
                await Task.Delay(restartDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery to {Subscription} stopped on an error; restarting in {Delay}")]
    private static partial void LogFailed(ILogger logger, string subscription, TimeSpan delay, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to {Subscription} had not stopped {Grace} after it was told to abandon its delivery")]
    private static partial void LogNotLetGo(ILogger logger, string subscription, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to {Subscription} ended by itself; restarting in {Delay}")]
    private static partial void LogEnded(ILogger logger, string subscription, TimeSpan delay);
}
