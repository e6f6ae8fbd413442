namespace VitalTwin.TwinState.Core.Forecasting;

/// <summary>
/// How far one vital's shown forecasts missed: each forecast waits until the trend bucket it aimed at closes, and
/// then the bucket's mean minus the forecast is kept as an error. The 80 % prediction interval is the forecast plus
/// the 10th and the 90th percentile of the recent errors, so it is as wide as the forecaster has actually been
/// wrong for this patient's vital at this horizon, and lies off-centre when it has been missing one way.
/// Not thread-safe: the owning twin's lock guards it.
/// </summary>
internal sealed class ForecastErrors
{
    /// <summary>
    /// Four hours of one-minute buckets. Forecasts a minute apart, each looking 15 minutes ahead, share most of their
    /// horizon, so their misses come in runs: an hour's worth held too few independent ones, and the interval covered
    /// about 0.68 of what followed instead of 0.8.
    /// </summary>
    public const int Kept = 240;

    /// <summary>Fewer checked forecasts than this say too little about the tails: no interval.</summary>
    public const int Minimum = 10;

    private const double LowerQuantile = 0.1;
    private const double UpperQuantile = 0.9;

    // Forecasts waiting for their bucket, in bucket order; one per bucket, the latest shown for it.
    private readonly List<PendingForecast> _pending = [];
    private readonly Queue<float> _errors = new();

    public ForecastErrors()
    {
    }

    public ForecastErrors(IEnumerable<PendingForecast> pending, IEnumerable<float> errors)
    {
        _pending.AddRange(pending);
        foreach (var error in errors.TakeLast(Kept))
        {
            _errors.Enqueue(error);
        }
    }

    public PendingForecast[] Pending => [.. _pending];

    /// <summary>The checked errors (actual − forecast), oldest first.</summary>
    public float[] Errors => [.. _errors];

    /// <summary>Remembers the forecast shown for <paramref name="bucket"/>, to check once the bucket closes.</summary>
    public void Expect(long bucket, double forecast)
    {
        while (_pending.Count > 0 && _pending[^1].Bucket >= bucket)
        {
            _pending.RemoveAt(_pending.Count - 1);
        }

        _pending.Add(new PendingForecast(bucket, forecast));
    }

    /// <summary>
    /// A trend bucket closed with <paramref name="mean"/>: the forecast aimed at it, if any, is checked, and those aimed
    /// at earlier buckets no reading fell in are dropped.
    /// </summary>
    public void Check(long bucket, double mean)
    {
        int done = 0;
        while (done < _pending.Count && _pending[done].Bucket <= bucket)
        {
            if (_pending[done].Bucket == bucket)
            {
                if (_errors.Count == Kept)
                {
                    _errors.Dequeue();
                }

                _errors.Enqueue((float)(mean - _pending[done].Value));
            }

            done++;
        }

        _pending.RemoveRange(0, done);
    }

    /// <summary>The 80 % prediction interval around <paramref name="forecast"/>; null while fewer than <see cref="Minimum"/> errors are known.</summary>
    public static (double Lower, double Upper)? Interval(double forecast, ReadOnlySpan<float> errors, double min, double max)
    {
        if (errors.Length < Minimum || !double.IsFinite(forecast))
        {
            return null;
        }

        Span<float> sorted = stackalloc float[errors.Length];
        errors.CopyTo(sorted);
        sorted.Sort();
        return (Math.Clamp(forecast + Quantile(sorted, LowerQuantile), min, max), Math.Clamp(forecast + Quantile(sorted, UpperQuantile), min, max));
    }

    // Linear between the closest ranks (Hyndman and Fan's type 7, the default of R and NumPy).
    private static double Quantile(ReadOnlySpan<float> sorted, double p)
    {
        double rank = p * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }
}

/// <summary>A forecast shown for the trend bucket <paramref name="Bucket"/>, not yet checked against it.</summary>
internal readonly record struct PendingForecast(long Bucket, double Value);
