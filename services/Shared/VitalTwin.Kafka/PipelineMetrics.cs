using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace VitalTwin.Kafka;

/// <summary>
/// End-to-end latency of the pipeline as each service sees it: from the moment a device observed a reading to the
/// moment this service has done its part with it. One histogram for all services, told apart by the
/// <c>service</c> tag, so a dashboard shows where along the way the time goes.
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "VitalTwin.Pipeline";

    public const string Latency = "vitaltwin.pipeline.latency";

    // Seconds: sub-second steps of a healthy pipeline up to the minutes a backlog or a buffering device adds.
    private static readonly IReadOnlyList<double> LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

    private readonly Histogram<double> _latency;
    private readonly KeyValuePair<string, object?> _service;
    private readonly TimeProvider _clock;

    public PipelineMetrics(IMeterFactory meters, IHostEnvironment environment, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(environment);
        _clock = clock;
        _service = new KeyValuePair<string, object?>("service", environment.ApplicationName);
        _latency = meters.Create(MeterName).CreateHistogram(
            Latency,
            "s",
            "From a reading's observed_at to this service having processed it.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    /// <summary>Records that a reading observed at <paramref name="observedAt"/> has been processed now.</summary>
    public void Processed(DateTimeOffset observedAt)
    {
        var latency = _clock.GetUtcNow() - observedAt;
        // A device clock running ahead would give a negative latency, which says nothing about the pipeline.
        if (latency >= TimeSpan.Zero)
        {
            _latency.Record(latency.TotalSeconds, _service);
        }
    }
}
