using System.Diagnostics.Metrics;

namespace VitalTwin.Notification.Delivery;

/// <summary>Counters per subscription: how many records were accepted, retried, dead-lettered and withheld for consent.</summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "VitalTwin.Notification.Delivery";

    /// <summary>The tag every counter carries: the subscription's configured name.</summary>
    public const string SubscriptionTag = "webhook.subscription";

    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _suppressed;

    public DeliveryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _delivered = meter.CreateCounter<long>("vitaltwin.delivery.delivered", "{record}", "Alert records a subscriber accepted (2xx).");
        _retried = meter.CreateCounter<long>("vitaltwin.delivery.retried", "{attempt}", "Attempts that failed transiently and were retried.");
        _deadLettered = meter.CreateCounter<long>("vitaltwin.delivery.dead_lettered", "{record}", "Alert records a subscriber refused for good, sent to the dead-letter topic.");
        _suppressed = meter.CreateCounter<long>("vitaltwin.delivery.suppressed", "{record}", "Alert records not sent because the patient's consent no longer allowed it.");
    }

    internal void Delivered(string subscription) => _delivered.Add(1, new KeyValuePair<string, object?>(SubscriptionTag, subscription));

    internal void Retried(string subscription) => _retried.Add(1, new KeyValuePair<string, object?>(SubscriptionTag, subscription));

    internal void DeadLettered(string subscription) => _deadLettered.Add(1, new KeyValuePair<string, object?>(SubscriptionTag, subscription));

    internal void Suppressed(string subscription) => _suppressed.Add(1, new KeyValuePair<string, object?>(SubscriptionTag, subscription));
}
