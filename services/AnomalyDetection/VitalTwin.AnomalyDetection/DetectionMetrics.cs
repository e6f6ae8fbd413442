using System.Diagnostics.Metrics;
using VitalTwin.Clinical;

namespace VitalTwin.AnomalyDetection;

/// <summary>How long the detectors take per reading: the cost that decides how many patients one instance can carry.</summary>
internal sealed class DetectionMetrics
{
    public const string MeterName = "VitalTwin.AnomalyDetection";

    // Seconds: a detector bank scores a point in microseconds; a slow one shows up in the upper buckets.
    private static readonly IReadOnlyList<double> Buckets = [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1];

    private readonly Histogram<double> _pointDuration;

    public DetectionMetrics(IMeterFactory meters)
    {
        _pointDuration = meters.Create(MeterName).CreateHistogram(
            "vitaltwin.detection.point.duration",
            "s",
            "Time to screen one reading for artifacts and run it through its vital's detector bank, by vital.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
    }

    public void PointObserved(VitalSign sign, TimeSpan elapsed) =>
        _pointDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("vital", sign.ToString()));
}
