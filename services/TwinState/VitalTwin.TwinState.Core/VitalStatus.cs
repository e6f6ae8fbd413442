using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Detection;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.Core;

/// <summary>One vital of a twin at the moment of a snapshot: its latest value with provenance, baseline, trend and forecast.</summary>
public sealed class VitalStatus : IEquatable<VitalStatus>
{
    internal VitalStatus(
        VitalSign sign,
        VitalObservation latest,
        VitalObservation? scored,
        bool isStale,
        PersonalBaseline baseline,
        PendingReading[] pending,
        OpenBucket open,
        float[] points,
        long newestBucket,
        long bucketTicks,
        double slopePerHour,
        double forecast,
        long forecastAtTicks,
        PendingReading[]? window = null,
        double? scoredValue = null)
    {
        Sign = sign;
        Latest = latest;
        Scored = scored;
        IsStale = isStale;
        BaselineState = baseline;
        Pending = pending;
        Open = open;
        Points = points;
        NewestBucket = newestBucket;
        BucketTicks = bucketTicks;
        SlopePerHourValue = slopePerHour;
        ForecastValue = forecast;
        ForecastAtTicks = forecastAtTicks;
        Window = window ?? (scored is null ? [] : [new PendingReading(scored.ObservedAt.UtcTicks, scored.Value)]);
        ScoredValue = scoredValue ?? scored?.Value ?? double.NaN;
    }

    public VitalSign Sign { get; }

    /// <summary>The newest reading of the vital's current source, with its time, device and quality flags.</summary>
    public VitalObservation Latest { get; }

    /// <summary>The newest reading that is not an artifact: the value NEWS2 scores. Null when there has been none.</summary>
    public VitalObservation? Scored { get; }

    /// <summary>The scored value is older than the vital's staleness threshold, so NEWS2 counts it as missing.</summary>
    public bool IsStale { get; }

    public BaselineEstimate Baseline => Baselines.Estimate(BaselineState);

    /// <summary>Readings waiting out the hold-back before they teach the baseline and trend.</summary>
    public int HeldBack => Pending.Length;

    public VitalTrend? Trend => double.IsNaN(SlopePerHourValue) ? null : new VitalTrend(SlopePerHourValue, TrendWindow.Count);

    public VitalForecast? Forecast => double.IsNaN(ForecastValue)
        ? null
        : new VitalForecast(
            ForecastValue,
            Time.FromUtcTicks(ForecastAtTicks),
            double.IsNaN(ForecastLower) ? null : ForecastLower,
            double.IsNaN(ForecastUpper) ? null : ForecastUpper);

    /// <summary>The trend window's points that have data, oldest first.</summary>
    public IReadOnlyList<TrendPoint> TrendWindow
    {
        get
        {
            var window = new List<TrendPoint>(Points.Length);
            for (int i = 0; i < Points.Length; i++)
            {
                if (float.IsFinite(Points[i]))
                {
                    long bucket = NewestBucket - Points.Length + 1 + i;
                    window.Add(new TrendPoint(Time.FromUtcTicks(VitalTrack.BucketCentre(bucket, BucketTicks)), Points[i]));
                }
            }

            return window;
        }
    }

    internal PersonalBaseline BaselineState { get; }

    internal PendingReading[] Pending { get; }

    internal OpenBucket Open { get; }

    // The trend ring unrolled, oldest first, NaN where no reading fell; empty until a bucket closed.
    internal float[] Points { get; }

    internal long NewestBucket { get; }

    internal long BucketTicks { get; }

    internal double SlopePerHourValue { get; }

    internal double ForecastValue { get; }

    internal long ForecastAtTicks { get; }

    /// <summary>What NEWS2 scores: the median of the scored readings in the NEWS2 window (<see cref="TwinSettings.News2Window"/>).</summary>
    public double ScoredValue { get; }

    /// <summary>An artifact episode the twin found in this vital's signal (the device did not flag it), or None.</summary>
    public SignalArtifact Artifact { get; internal set; }

    /// <summary>The vital's latest artifact episodes the twin found in its signal, oldest first; the open one last.</summary>
    public IReadOnlyList<SignalArtifactEpisode> RecentArtifacts { get; internal init; } = [];

    internal double ForecastLower { get; init; } = double.NaN;

    internal double ForecastUpper { get; init; } = double.NaN;

    /// <summary>Forecasts shown and not yet checked against the bucket they aimed at, in bucket order.</summary>
    internal PendingForecast[] PendingForecasts { get; init; } = [];

    /// <summary>How far the checked forecasts missed (actual − forecast), oldest first.</summary>
    internal float[] ForecastMisses { get; init; } = [];

    /// <summary>The scored readings of the NEWS2 window, oldest first.</summary>
    internal PendingReading[] Window { get; }

    internal ScoringInput ScoringInput => new(
        Scored is null ? News2InputStatus.Missing : IsStale ? News2InputStatus.Stale : News2InputStatus.Measured,
        ScoredValue,
        ForecastValue,
        ForecastAtTicks);

    public bool Equals(VitalStatus? other) =>
        other is not null
        && Sign == other.Sign
        && Latest == other.Latest
        && Scored == other.Scored
        && IsStale == other.IsStale
        && Baseline == other.Baseline
        && Pending.AsSpan().SequenceEqual(other.Pending)
        && Window.AsSpan().SequenceEqual(other.Window)
        && ScoredValue.Equals(other.ScoredValue)
        && Open == other.Open
        && Points.AsSpan().SequenceEqual(other.Points)
        && NewestBucket == other.NewestBucket
        && BucketTicks == other.BucketTicks
        && SlopePerHourValue.Equals(other.SlopePerHourValue)
        && ForecastValue.Equals(other.ForecastValue)
        && ForecastAtTicks == other.ForecastAtTicks
        && ForecastLower.Equals(other.ForecastLower)
        && ForecastUpper.Equals(other.ForecastUpper)
        && PendingForecasts.AsSpan().SequenceEqual(other.PendingForecasts)
        && ForecastMisses.AsSpan().SequenceEqual(other.ForecastMisses)
        && RecentArtifacts.SequenceEqual(other.RecentArtifacts);

    public override bool Equals(object? obj) => Equals(obj as VitalStatus);

    public override int GetHashCode() => HashCode.Combine(Sign, Latest, IsStale, Baseline, Pending.Length, NewestBucket);
}
