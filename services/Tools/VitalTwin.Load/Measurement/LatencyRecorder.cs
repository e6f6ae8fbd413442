using HdrHistogram;

namespace VitalTwin.Load.Measurement;

/// <summary>Percentiles of one latency, in milliseconds, and how many values they rest on.</summary>
internal sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// HdrHistogram of a latency in microseconds (1 µs to 1 h, 3 significant digits), whole-window and since the
/// last status line. Recorders run on several threads; a lock is cheap at the rates measured here.
/// </summary>
internal sealed class LatencyRecorder
{
    private const long Highest = 3_600_000_000;
    private readonly Lock _gate = new();
    private readonly LongHistogram _total = new(1, Highest, 3);
    private readonly LongHistogram _interval = new(1, Highest, 3);
    private long _negative;

    /// <summary>Values below zero (a clock step between two readings of it): recorded as zero and counted here.</summary>
    public long Negative => Interlocked.Read(ref _negative);

    public void Record(TimeSpan latency)
    {
        var micros = (long)latency.TotalMicroseconds;
        if (micros < 0)
        {
            Interlocked.Increment(ref _negative);
            micros = 0;
        }
        micros = Math.Min(micros, Highest);
        lock (_gate)
        {
            _total.RecordValue(micros);
            _interval.RecordValue(micros);
        }
    }

    public LatencySummary Total()
    {
        lock (_gate)
        {
            return Summarise(_total);
        }
    }

    /// <summary>What was recorded since the previous call.</summary>
    public LatencySummary TakeInterval()
    {
        lock (_gate)
        {
            var summary = Summarise(_interval);
            _interval.Reset();
            return summary;
        }
    }

    private static LatencySummary Summarise(LongHistogram histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return LatencySummary.Empty;
        }
        static double Ms(double micros) => Math.Round(micros / 1_000.0, 2);
        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Ms(histogram.GetMean()));
    }
}
