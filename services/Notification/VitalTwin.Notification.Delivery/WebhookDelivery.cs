using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// Runs one <see cref="WebhookConsumer"/> per configured subscription, each in a consumer group of its own, so
/// that a subscriber being down holds back only its own deliveries. With no subscription it does nothing.
/// </summary>
internal sealed partial class WebhookDelivery(
    IOptions<DeliveryOptions> options,
    IServiceProvider services,
    TimeProvider clock,
    ILogger<WebhookDelivery> logger) : BackgroundService
{
    private readonly Dictionary<string, TaskCompletionSource> _assigned = options.Value.Webhooks.ToDictionary(
        s => s.Name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.OrdinalIgnoreCase);

    // Cancelled when the host's shutdown timeout runs out, so the consumers give up a delivery still in flight
    // (its record stays uncommitted and is sent again, under the same key, by the next run). Never disposed:
    // it has no timer, and a consumer may still observe it after the host has let go of this service.
    private readonly CancellationTokenSource _hostGaveUp = new();

    /// <summary>Signalled once every subscription's consumer has been given partitions: for readiness checks and tests.</summary>
    public Task Assigned => Task.WhenAll(_assigned.Values.Select(t => t.Task));

    /// <summary>
    /// Each consumer finishes the delivery in flight while the host waits; when <paramref name="cancellationToken"/>
    /// fires they abandon it, and this returns once they let go, so nothing they use is disposed under them.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var giveUp = cancellationToken.Register(_hostGaveUp.Cancel);
        // Not the host's token: the supervisors themselves bound the wait, by it and a short grace.
        await base.StopAsync(CancellationToken.None);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriptions = options.Value.Webhooks;
        if (subscriptions.Count == 0)
        {
            LogNoSubscriptions(logger);
            return;
        }
        LogStarting(logger, subscriptions.Count, string.Join(", ", subscriptions.Select(s => s.Name)));
        await Task.WhenAll(subscriptions.Select(subscription => Supervision.RunAsync(
            subscription.Name,
            () => ActivatorUtilities.CreateInstance<WebhookConsumer>(services, subscription),
            consumer => consumer.Assigned.ContinueWith(_ => _assigned[subscription.Name].TrySetResult(), TaskScheduler.Default),
            options.Value.Resilience.ConsumerRestartDelay,
            clock,
            logger,
            stoppingToken,
            _hostGaveUp.Token)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No webhook subscriptions configured: alerts are not delivered to any subscriber")]
    private static partial void LogNoSubscriptions(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivering alerts to {Count} webhook subscriptions: {Subscriptions}")]
    private static partial void LogStarting(ILogger logger, int count, string subscriptions);
}
