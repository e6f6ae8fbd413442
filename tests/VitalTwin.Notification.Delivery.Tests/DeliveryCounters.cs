using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>The delivery meter's counters per (instrument, subscription), as an exporter would see them.</summary>
internal sealed class DeliveryCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Subscription), long> _totals = new();
    private readonly Signal _changed = new();

    public DeliveryCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DeliveryMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == DeliveryMetrics.SubscriptionTag && tag.Value is string subscription)
                {
                    _totals.AddOrUpdate((instrument.Name, subscription), value, (_, total) => total + value);
                }
            }
            _changed.Pulse();
        });
        _listener.Start();
    }

    public long Delivered(string subscription) => _totals.GetValueOrDefault(("vitaltwin.delivery.delivered", subscription));

    public long Retried(string subscription) => _totals.GetValueOrDefault(("vitaltwin.delivery.retried", subscription));

    public long DeadLettered(string subscription) => _totals.GetValueOrDefault(("vitaltwin.delivery.dead_lettered", subscription));

    public long Suppressed(string subscription) => _totals.GetValueOrDefault(("vitaltwin.delivery.suppressed", subscription));

    public Task WaitUntilAsync(Func<bool> condition, string what) => _changed.WaitUntilAsync(condition, what);

    public void Dispose() => _listener.Dispose();
}
