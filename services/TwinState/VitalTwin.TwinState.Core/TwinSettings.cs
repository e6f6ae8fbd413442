using VitalTwin.Clinical;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.Core;

/// <summary>How the twin judges time: staleness, baseline hold-back, source reconciliation, anomaly lifetime, trend and forecast.</summary>
public sealed record TwinSettings
{
    public static TwinSettings Default { get; } = new();

    /// <summary>
    /// How old the newest usable value of a vital may be before it is stale and scored as missing. Continuously
    /// monitored vitals default to 5 minutes; cuff blood pressure and temperature are taken intermittently.
    /// </summary>
    public IReadOnlyDictionary<VitalSign, TimeSpan> StaleAfter { get; init; } = new Dictionary<VitalSign, TimeSpan>
    {
        [VitalSign.HeartRate] = TimeSpan.FromMinutes(5),
        [VitalSign.OxygenSaturation] = TimeSpan.FromMinutes(5),
        [VitalSign.RespiratoryRate] = TimeSpan.FromMinutes(5),
        [VitalSign.SystolicBloodPressure] = TimeSpan.FromHours(1),
        [VitalSign.BodyTemperature] = TimeSpan.FromHours(4),
    };

    /// <summary>Staleness threshold for a vital <see cref="StaleAfter"/> does not name.</summary>
    public TimeSpan DefaultStaleAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a reading waits before it teaches the baseline and the trend, so an anomaly reported after it can still keep it out.</summary>
    public TimeSpan BaselineHoldBack { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most readings a vital holds back; beyond this the oldest is released early, which bounds memory.</summary>
    public int BaselineHoldBackCapacity { get; init; } = 32;

    /// <summary>A second device's reading of a vital this close to the current source's latest is reconciled, not taken as well.</summary>
    public TimeSpan ReconciliationWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An anomaly closes by itself this long after the reading it concerns, if nobody acknowledged it.</summary>
    public TimeSpan AnomalyOpenFor { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Most anomalies kept open per patient; the oldest closes when another opens.</summary>
    public int MaxOpenAnomalies { get; init; } = 16;

    /// <summary>Width of a trend point: the mean of the readings in it.</summary>
    public TimeSpan TrendBucket { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Trend points kept per vital; with <see cref="TrendBucket"/> this is the trend window.</summary>
    public int TrendPoints { get; init; } = 30;

    /// <summary>Fewest trend points with data before a slope or forecast is given.</summary>
    public int MinimumTrendPoints { get; init; } = 5;

    /// <summary>How far past the twin's clock each vital is forecast and NEWS2 projected, to within a trend bucket.</summary>
    public TimeSpan ForecastHorizon { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// NEWS2 was designed for spot observations; scored on every reading of a 1 Hz stream, noise carries it in and
    /// out of its bands. Each vital is scored on the median of its readings of the last minute instead: one spurious
    /// reading cannot move it, and a real change shows within half the window.
    /// </summary>
    public TimeSpan News2Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most readings of a vital in the NEWS2 window (the newest are kept), which bounds memory at high rates.</summary>
    public int News2WindowReadings { get; init; } = 31;

    /// <summary>
    /// A vital sampled every few minutes has one reading in a minute, and one spurious reading would be its score; so
    /// the window reaches back to this many readings, as long as they are no older than <see cref="News2WindowMaxAge"/>.
    /// </summary>
    public int News2WindowMinReadings { get; init; } = 3;

    /// <summary>
    /// The oldest reading the NEWS2 window reaches back to for <see cref="News2WindowMinReadings"/>: a cuff every 15 min
    /// is scored on its newest reading, a wearable every 5 min on the median of its last three.
    /// </summary>
    public TimeSpan News2WindowMaxAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A change of the NEWS2 risk band counts only once the new band has held this long; until then the twin keeps
    /// the band it had. Monitors wait about 10 s before a limit alarm; a minute more than covers the motion artifacts
    /// a wearable's own flags miss, and is short against the hours a deterioration takes.
    /// </summary>
    public TimeSpan News2Hold { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Shared by every twin, so it must be thread-safe.</summary>
    public IVitalForecaster Forecaster { get; init; } = new SsaVitalForecaster();

    /// <summary>Forecasts are clamped to the catalogue's physiological limits.</summary>
    public VitalCatalogue Catalogue { get; init; } = VitalCatalogue.Default;

    public TimeSpan StaleAfterFor(VitalSign sign) => StaleAfter.TryGetValue(sign, out var threshold) ? threshold : DefaultStaleAfter;

    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(StaleAfter);
        ArgumentNullException.ThrowIfNull(Forecaster);
        ArgumentNullException.ThrowIfNull(Catalogue);
        if (StaleAfter.Values.Any(t => t <= TimeSpan.Zero) || DefaultStaleAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException("Staleness thresholds must be positive.", nameof(StaleAfter));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BaselineHoldBack, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(BaselineHoldBackCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconciliationWindow, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AnomalyOpenFor, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOpenAnomalies, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TrendBucket, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(TrendPoints, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TrendPoints, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumTrendPoints, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinimumTrendPoints, TrendPoints);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ForecastHorizon, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(News2Window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(News2WindowReadings, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(News2WindowReadings, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(News2WindowMinReadings, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(News2WindowMinReadings, News2WindowReadings);
        ArgumentOutOfRangeException.ThrowIfLessThan(News2WindowMaxAge, News2Window);
        ArgumentOutOfRangeException.ThrowIfLessThan(News2Hold, TimeSpan.Zero);
    }
}
