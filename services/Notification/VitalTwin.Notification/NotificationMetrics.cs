using System.Diagnostics.Metrics;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification;

/// <summary>The alerting metrics ops teams watch: alerts raised, open alerts by priority, and reading-to-alert latency.</summary>
internal sealed class NotificationMetrics
{
    public const string MeterName = "VitalTwin.Notification";

    private readonly Counter<long> _raised;
    private readonly Histogram<double> _latency;

    public NotificationMetrics(IMeterFactory meters, AlertBook book)
    {
        var meter = meters.Create(MeterName);
        _raised = meter.CreateCounter<long>("vitaltwin.alerts.raised", "{alert}", "Alerts raised, by condition and priority.");
        _latency = meter.CreateHistogram<double>("vitaltwin.alerts.latency", "s", "From the reading that crossed a condition to its alert on the alerts topic.");
        meter.CreateObservableGauge("vitaltwin.alerts.open", () => book.OpenByPriority()
            .Select(p => new Measurement<int>(p.Count, new KeyValuePair<string, object?>("priority", p.Priority.ToString()))),
            "{alert}", "Open alerts, by priority.");
    }

    public void Raised(AlertRaised raised, TimeSpan? sinceReading)
    {
        var condition = new KeyValuePair<string, object?>("condition", raised.Condition.ToString());
        var priority = new KeyValuePair<string, object?>("priority", raised.Priority.ToString());
        _raised.Add(1, condition, priority);
        if (sinceReading is { } latency && latency >= TimeSpan.Zero)
        {
            _latency.Record(latency.TotalSeconds, condition);
        }
    }
}
