using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Detection;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.Core;

/// <summary>
/// The live state of one vital of one patient. Readings that teach the baseline and the trend wait in a small
/// hold-back ring first; the trend is a fixed ring of bucket means on a regular grid, NaN where no reading fell.
/// Not thread-safe: the owning twin's lock guards it.
/// </summary>
internal sealed class VitalTrack(VitalSign sign)
{
    private const long NoBucket = long.MinValue;
    private const int MaxForecastSteps = 1024;

    /// <summary>Artifact episodes kept per vital: enough to mark the last few on a chart.</summary>
    public const int RecentArtifactEpisodes = 5;

    private PendingReading[] _pending = [];
    private int _pendingStart;
    private int _pendingCount;

    // The scored readings of the last NEWS2 window, oldest first: NEWS2 scores their median.
    private PendingReading[] _window = [];
    private int _windowCount;

    private long _openBucket = NoBucket;
    private double _openSum;
    private int _openCount;

    private float[]? _points;
    private long _newestBucket = NoBucket;

    private ForecastErrors _forecastErrors = new();

    // Oldest first; only the last may be open.
    private List<SignalArtifactEpisode>? _artifacts;

    public VitalSign Sign { get; } = sign;

    /// <summary>The newest reading of the current source, whatever its quality.</summary>
    public VitalObservation? Latest { get; private set; }

    /// <summary>The newest reading of the current source that is not an artifact: what NEWS2 scores.</summary>
    public VitalObservation? Scored { get; private set; }

    public PersonalBaseline Baseline { get; private set; } = new();

    public bool IsStale { get; set; }

    public double SlopePerHour { get; private set; } = double.NaN;

    public double Forecast { get; private set; } = double.NaN;

    public long ForecastAtTicks { get; private set; }

    /// <summary>The forecast's 80 % prediction interval (<see cref="ForecastErrors"/>); NaN while too few forecasts were checked.</summary>
    public double ForecastLower { get; private set; } = double.NaN;

    public double ForecastUpper { get; private set; } = double.NaN;

    public News2InputStatus Status => Scored is null ? News2InputStatus.Missing : IsStale ? News2InputStatus.Stale : News2InputStatus.Measured;

    /// <summary>
    /// What NEWS2 scores: the median of the scored readings in the NEWS2 window, so one noisy or spurious reading
    /// of a continuously monitored vital does not move the score. An intermittent vital has one reading in it.
    /// </summary>
    public double ScoredValue { get; private set; } = double.NaN;

    public ScoringInput ScoringInput => new(Status, ScoredValue, Forecast, ForecastAtTicks);

    /// <param name="scored">False for a reading that must not be scored: a device-flagged or detected artifact.</param>
    public void Take(VitalObservation observation, bool scored, TwinSettings settings)
    {
        Latest = observation;
        if (scored)
        {
            Scored = observation;
            Slide(observation.ObservedAt.UtcTicks, observation.Value, settings);
        }
    }

    /// <summary>
    /// Follows the artifact screen's verdict on a reading: a verdict other than None opens an episode at the reading
    /// (or a new one when the kind changes), and None ends the open one at it.
    /// </summary>
    public void Screened(SignalArtifact verdict, DateTimeOffset observedAt)
    {
        var open = _artifacts is [.., { EndedAt: null } last] ? last : (SignalArtifactEpisode?)null;
        if (open?.Kind == verdict || (open is null && verdict == SignalArtifact.None))
        {
            return;
        }

        _artifacts ??= [];
        if (open is { } ended)
        {
            _artifacts[^1] = ended with { EndedAt = observedAt };
        }

        if (verdict != SignalArtifact.None)
        {
            if (_artifacts.Count == RecentArtifactEpisodes)
            {
                _artifacts.RemoveAt(0);
            }

            _artifacts.Add(new SignalArtifactEpisode(verdict, observedAt, null));
        }
    }

    private void Slide(long ticks, double value, TwinSettings settings)
    {
        if (_window.Length > settings.News2WindowReadings)
        {
            Array.Resize(ref _window, settings.News2WindowReadings);
            _windowCount = Math.Min(_windowCount, _window.Length);
        }

        // Oldest first: drop what fell out of the window (keeping the last few of a sparse vital), and the oldest when full.
        long from = ticks - settings.News2Window.Ticks;
        long oldest = ticks - settings.News2WindowMaxAge.Ticks;
        int drop = 0;
        while (drop < _windowCount
            && (_windowCount - drop >= settings.News2WindowReadings
                || _window[drop].Ticks <= oldest
                || (_window[drop].Ticks <= from && _windowCount - drop >= settings.News2WindowMinReadings)))
        {
            drop++;
        }

        if (drop > 0)
        {
            Array.Copy(_window, drop, _window, 0, _windowCount - drop);
            _windowCount -= drop;
        }

        // Grown as the vital's rate needs, up to the most the window keeps: a reading every 5 s fills 16 slots, not 31.
        if (_windowCount == _window.Length)
        {
            Array.Resize(ref _window, Math.Min(settings.News2WindowReadings, Math.Max(4, _window.Length * 2)));
        }

        _window[_windowCount++] = new PendingReading(ticks, value);
        Span<double> values = stackalloc double[_windowCount];
        for (int i = 0; i < _windowCount; i++)
        {
            values[i] = _window[i].Value;
        }

        ScoredValue = Median(values);
    }

    private static double Median(Span<double> values)
    {
        values.Sort();
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>Queues a reading for the baseline and trend; returns true when releasing an early one changed the forecast.</summary>
    public bool HoldBack(long ticks, double value, long clockTicks, TwinSettings settings)
    {
        var changed = false;
        if (_pendingCount == settings.BaselineHoldBackCapacity)
        {
            changed = Learn(Dequeue(), clockTicks, settings);
        }

        if (_pendingCount == _pending.Length)
        {
            Grow(Math.Min(Math.Max(4, _pending.Length * 2), Math.Max(settings.BaselineHoldBackCapacity, _pendingCount + 1)));
        }

        _pending[(_pendingStart + _pendingCount) % _pending.Length] = new PendingReading(ticks, value);
        _pendingCount++;
        return changed;
    }

    /// <summary>Teaches the baseline and trend every held-back reading that has waited out the hold-back by <paramref name="clockTicks"/>.</summary>
    public bool Release(long clockTicks, TwinSettings settings)
    {
        var changed = false;
        long dueTicks = clockTicks - settings.BaselineHoldBack.Ticks;
        while (_pendingCount > 0 && _pending[_pendingStart].Ticks <= dueTicks)
        {
            changed |= Learn(Dequeue(), clockTicks, settings);
        }

        return changed;
    }

    /// <summary>Drops held-back readings observed at <paramref name="ticks"/>: an anomaly concerns them.</summary>
    public bool Exclude(long ticks)
    {
        var excluded = false;
        for (int i = 0; i < _pendingCount; i++)
        {
            ref var pending = ref _pending[(_pendingStart + i) % _pending.Length];
            if (pending.Ticks == ticks && !double.IsNaN(pending.Value))
            {
                pending = pending with { Value = double.NaN };
                excluded = true;
            }
        }

        return excluded;
    }

    public VitalStatus ToStatus(TwinSettings settings, SignalArtifact artifact = SignalArtifact.None)
    {
        var pending = new PendingReading[_pendingCount];
        for (int i = 0; i < _pendingCount; i++)
        {
            pending[i] = _pending[(_pendingStart + i) % _pending.Length];
        }

        return new VitalStatus(
            Sign,
            Latest!,
            Scored,
            IsStale,
            Baselines.Copy(Baseline),
            pending,
            new OpenBucket(_openBucket, _openSum, _openCount),
            Window(),
            _newestBucket,
            settings.TrendBucket.Ticks,
            SlopePerHour,
            Forecast,
            ForecastAtTicks,
            _window[.._windowCount],
            ScoredValue)
        {
            Artifact = artifact,
            ForecastLower = ForecastLower,
            ForecastUpper = ForecastUpper,
            PendingForecasts = _forecastErrors.Pending,
            ForecastMisses = _forecastErrors.Errors,
            RecentArtifacts = _artifacts is null ? [] : [.. _artifacts],
        };
    }

    public static VitalTrack FromStatus(VitalStatus status, TwinSettings settings)
    {
        var track = new VitalTrack(status.Sign)
        {
            Latest = status.Latest,
            Scored = status.Scored,
            IsStale = status.IsStale,
            Baseline = Baselines.Copy(status.BaselineState),
            SlopePerHour = status.SlopePerHourValue,
            Forecast = status.ForecastValue,
            ForecastAtTicks = status.ForecastAtTicks,
            ForecastLower = status.ForecastLower,
            ForecastUpper = status.ForecastUpper,
            _forecastErrors = new ForecastErrors(status.PendingForecasts, status.ForecastMisses),
            _artifacts = status.RecentArtifacts.Count == 0 ? null : [.. status.RecentArtifacts],
            _window = [.. status.Window],
            _windowCount = status.Window.Length,
            ScoredValue = status.ScoredValue,
            _openBucket = status.Open.Bucket,
            _openSum = status.Open.Sum,
            _openCount = status.Open.Count,
            _newestBucket = status.NewestBucket,
        };
        if (status.Pending.Length > 0)
        {
            track._pending = [.. status.Pending];
            track._pendingCount = status.Pending.Length;
        }

        if (status.Points.Length > 0)
        {
            if (status.BucketTicks != settings.TrendBucket.Ticks)
            {
                throw new ArgumentException("The snapshot's trend buckets differ from the settings'; the trend cannot be carried over.", nameof(settings));
            }

            track._points = new float[settings.TrendPoints];
            Array.Fill(track._points, float.NaN);
            var points = status.Points;
            for (int i = 0; i < points.Length; i++)
            {
                long bucket = status.NewestBucket - points.Length + 1 + i;
                if (bucket > status.NewestBucket - settings.TrendPoints)
                {
                    track._points[Slot(bucket, settings.TrendPoints)] = points[i];
                }
            }
        }

        return track;
    }

    private PendingReading Dequeue()
    {
        var pending = _pending[_pendingStart];
        _pendingStart = (_pendingStart + 1) % _pending.Length;
        _pendingCount--;
        return pending;
    }

    private void Grow(int capacity)
    {
        var grown = new PendingReading[capacity];
        for (int i = 0; i < _pendingCount; i++)
        {
            grown[i] = _pending[(_pendingStart + i) % _pending.Length];
        }

        _pending = grown;
        _pendingStart = 0;
    }

    private bool Learn(PendingReading reading, long clockTicks, TwinSettings settings)
    {
        if (double.IsNaN(reading.Value))
        {
            return false;
        }

        Baseline.Add(reading.Value);
        long bucket = reading.Ticks / settings.TrendBucket.Ticks;
        if (_openBucket == NoBucket || bucket == _openBucket)
        {
            _openBucket = bucket;
            _openSum += reading.Value;
            _openCount++;
            return false;
        }

        // A reading released after its bucket closed still taught the baseline, but the trend has moved on.
        if (bucket < _openBucket)
        {
            return false;
        }

        Close(settings);
        _openBucket = bucket;
        _openSum = reading.Value;
        _openCount = 1;
        return RefreshTrend(clockTicks, settings);
    }

    private void Close(TwinSettings settings)
    {
        int capacity = settings.TrendPoints;
        if (_points is null)
        {
            _points = new float[capacity];
            Array.Fill(_points, float.NaN);
        }
        else
        {
            long gap = _openBucket - _newestBucket - 1;
            if (gap >= capacity)
            {
                Array.Fill(_points, float.NaN);
            }
            else
            {
                for (long bucket = _newestBucket + 1; bucket < _openBucket; bucket++)
                {
                    _points[Slot(bucket, capacity)] = float.NaN;
                }
            }
        }

        double mean = _openSum / _openCount;
        _points[Slot(_openBucket, capacity)] = (float)mean;
        _newestBucket = _openBucket;
        _forecastErrors.Check(_openBucket, mean);
    }

    // The forecast looks the horizon past the twin's clock, not past the last closed bucket, which lags it.
    private bool RefreshTrend(long clockTicks, TwinSettings settings)
    {
        var (slope, forecast, at, lower, upper) = (double.NaN, double.NaN, 0L, double.NaN, double.NaN);
        Span<float> window = stackalloc float[settings.TrendPoints];
        FillWindow(window);
        if (Forecasting.LinearTrend.Fit(window) is { } line && line.Points >= settings.MinimumTrendPoints)
        {
            slope = line.Slope * (TimeSpan.TicksPerHour / (double)settings.TrendBucket.Ticks);
            long bucketTicks = settings.TrendBucket.Ticks;
            long ahead = clockTicks + settings.ForecastHorizon.Ticks - BucketCentre(_newestBucket, bucketTicks);
            int steps = (int)Math.Clamp((ahead + bucketTicks - 1) / bucketTicks, 1, MaxForecastSteps);
            if (settings.Forecaster.Forecast(window, steps) is { } projected && double.IsFinite(projected))
            {
                var definition = settings.Catalogue[Sign];
                forecast = Math.Clamp(projected, definition.PhysiologicalMin, definition.PhysiologicalMax);
                at = BucketCentre(_newestBucket + steps, settings.TrendBucket.Ticks);
                _forecastErrors.Expect(_newestBucket + steps, forecast);
                if (ForecastErrors.Interval(forecast, _forecastErrors.Errors, definition.PhysiologicalMin, definition.PhysiologicalMax) is { } interval)
                {
                    (lower, upper) = interval;
                }
            }
        }

        var changed = !slope.Equals(SlopePerHour) || !forecast.Equals(Forecast) || at != ForecastAtTicks
            || !lower.Equals(ForecastLower) || !upper.Equals(ForecastUpper);
        (SlopePerHour, Forecast, ForecastAtTicks, ForecastLower, ForecastUpper) = (slope, forecast, at, lower, upper);
        return changed;
    }

    private float[] Window()
    {
        if (_points is null)
        {
            return [];
        }

        var window = new float[_points.Length];
        FillWindow(window);
        return window;
    }

    // Oldest first: slot of bucket newest − capacity + 1 + i.
    private void FillWindow(Span<float> window)
    {
        if (_points is null)
        {
            window.Fill(float.NaN);
            return;
        }

        for (int i = 0; i < window.Length; i++)
        {
            window[i] = _points[Slot(_newestBucket - window.Length + 1 + i, _points.Length)];
        }
    }

    internal static long BucketCentre(long bucket, long bucketTicks) => (bucket * bucketTicks) + (bucketTicks / 2);

    private static int Slot(long bucket, int capacity) => (int)(((bucket % capacity) + capacity) % capacity);
}

internal readonly record struct OpenBucket(long Bucket, double Sum, int Count);

internal static class Baselines
{
    // PersonalBaseline exposes its state only through its own format, so copies go through it.
    public static PersonalBaseline Copy(PersonalBaseline baseline)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            baseline.Write(writer);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        return PersonalBaseline.Read(reader);
    }

    public static BaselineEstimate Estimate(PersonalBaseline baseline) =>
        new(baseline.Level, baseline.Spread, baseline.Count, baseline.IsEstablished);
}
