using System.Diagnostics.Metrics;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>The ingest rate and the rejects by reason; counted once Kafka has the readings, so a resent batch counts once.</summary>
internal sealed class IngestionMetrics
{
    public const string MeterName = "VitalTwin.Gateway";
    public const string RefusedName = "vitaltwin.gateway.readings.backpressure_refused";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _refused;

    public IngestionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _accepted = meter.CreateCounter<long>("vitaltwin.gateway.readings.accepted", "{reading}", "Readings accepted and on the telemetry topic.");
        _rejected = meter.CreateCounter<long>("vitaltwin.gateway.readings.rejected", "{reading}", "Readings refused, by reason; all but RateLimited are also on the rejected topic.");
        _refused = meter.CreateCounter<long>(
            RefusedName, "{reading}", "Readings of batches refused whole because the telemetry topic's consumers were too far behind; the senders resend them.");
    }

    public void Accepted(int count)
    {
        if (count > 0)
        {
            _accepted.Add(count);
        }
    }

    public void RefusedForBackPressure(int count) => _refused.Add(count);

    public void Rejected(RejectionReason reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
}
