using MathNet.Numerics.Distributions;

namespace VitalTwin.Detection;

/// <summary>
/// Forecasts a series with Singular Spectrum Analysis: ML.NET's ForecastBySsa (non-adaptive). Train once, then
/// <see cref="Update"/> with each new value and <see cref="Forecast(Span{float})"/> the next steps; neither allocates.
/// Not thread-safe.
/// </summary>
public sealed class SsaForecaster
{
    private readonly int? _rank;
    private readonly double _maxTrendRatio;
    private readonly double[] _forecast;
    private readonly double[] _deviation;
    private readonly double _z;
    private SsaModel? _model;

    /// <param name="windowSize">L, the SSA window: an upper bound on the longest seasonality; at least 2.</param>
    /// <param name="seriesLength">ML.NET's buffer length N, greater than <paramref name="windowSize"/>. Checked for parity only: the non-adaptive model reads just the last L − 1 values.</param>
    /// <param name="trainSize">Values <see cref="Train"/> uses; more than 2 × <paramref name="windowSize"/>.</param>
    /// <param name="horizon">Steps forecast; at least 1.</param>
    /// <param name="rank">A fixed number of SSA components, in [1, L); null selects it by forecast error, up to <paramref name="maxRank"/>.</param>
    /// <param name="maxRank">Largest rank considered by the selection, in [1, L); null means L − 1.</param>
    /// <param name="shouldStabilize">Move the recurrence's roots so forecasts neither explode nor carry unobserved seasonalities.</param>
    /// <param name="maxGrowth">Cap on exponential trends during stabilisation; null means none.</param>
    /// <param name="confidenceLevel">Coverage of the forecast intervals, in [0, 1).</param>
    public SsaForecaster(
        int windowSize,
        int seriesLength,
        int trainSize,
        int horizon,
        int? rank = null,
        int? maxRank = null,
        bool shouldStabilize = true,
        GrowthRatio? maxGrowth = null,
        double confidenceLevel = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(seriesLength, windowSize);
        if (trainSize <= 2L * windowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(trainSize), trainSize, "The training size must be more than twice the window size.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        if (rank is < 1 || rank >= windowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "The rank must lie in [1, windowSize).");
        }

        if (maxRank is < 1 || maxRank >= windowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRank), maxRank, "The maximum rank must lie in [1, windowSize).");
        }

        if (maxGrowth is { } growth && !(growth.TimeSpan > 0 && growth.Growth >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxGrowth), maxGrowth, "The growth time span must be positive and the growth non-negative.");
        }

        if (!(confidenceLevel >= 0 && confidenceLevel < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "The confidence level must lie in [0, 1).");
        }

        WindowSize = windowSize;
        SeriesLength = seriesLength;
        TrainSize = trainSize;
        Horizon = horizon;
        MaxRank = maxRank ?? windowSize - 1;
        ShouldStabilize = shouldStabilize;
        ConfidenceLevel = confidenceLevel;
        _rank = rank;
        _maxTrendRatio = maxGrowth?.Ratio ?? double.PositiveInfinity;
        _forecast = new double[horizon];
        _deviation = new double[horizon];
        _z = Normal.InvCDF(0, 1, 0.5 + (confidenceLevel / 2));
    }

    public int WindowSize { get; }

    public int SeriesLength { get; }

    public int TrainSize { get; }

    public int Horizon { get; }

    public int MaxRank { get; }

    public bool ShouldStabilize { get; }

    public double ConfidenceLevel { get; }

    public bool IsTrained => _model is not null;

    /// <summary>Number of SSA components the model keeps; 0 until trained.</summary>
    public int Rank => _model?.Rank ?? 0;

    /// <summary>Whether stabilisation succeeded; false when it was not asked for or the roots could not be rebuilt.</summary>
    public bool IsStabilized => _model?.IsStabilized ?? false;

    /// <summary>
    /// Trains on the first <see cref="TrainSize"/> finite values of <paramref name="series"/> (all of them if there
    /// are fewer), as ML.NET's Fit does, replacing any earlier model.
    /// </summary>
    /// <exception cref="ArgumentException">There are no more than 2 × <see cref="WindowSize"/> finite values.</exception>
    public void Train(ReadOnlySpan<float> series)
    {
        var values = new List<double>(TrainSize);
        foreach (float value in series)
        {
            if (values.Count == TrainSize)
            {
                break;
            }

            if (float.IsFinite(value))
            {
                values.Add(value);
            }
        }

        if (values.Count <= 2 * WindowSize)
        {
            throw new ArgumentException($"Training needs more than {2 * WindowSize} finite values; the series has {values.Count}.", nameof(series));
        }

        _model = SsaModel.Train(values.ToArray(), WindowSize, MaxRank, _rank, ShouldStabilize, _maxTrendRatio);
    }

    /// <summary>Folds the next observed value into the model. NaN and infinite values are ignored.</summary>
    /// <exception cref="InvalidOperationException">The forecaster has not been trained.</exception>
    public void Update(float value)
    {
        var model = TrainedModel();
        if (float.IsFinite(value))
        {
            model.Consume(value);
        }
    }

    /// <summary>Writes the forecasts for the next <c>destination.Length</c> steps, at most <see cref="Horizon"/>.</summary>
    /// <exception cref="InvalidOperationException">The forecaster has not been trained.</exception>
    public void Forecast(Span<float> destination)
    {
        var forecast = PointForecast(destination.Length, nameof(destination));
        for (int i = 0; i < forecast.Length; i++)
        {
            destination[i] = (float)forecast[i];
        }
    }

    /// <summary>Writes the forecasts and their <see cref="ConfidenceLevel"/> intervals for the next <c>destination.Length</c> steps.</summary>
    /// <exception cref="InvalidOperationException">The forecaster has not been trained.</exception>
    public void Forecast(Span<float> destination, Span<float> lowerBound, Span<float> upperBound)
    {
        if (lowerBound.Length != destination.Length || upperBound.Length != destination.Length)
        {
            throw new ArgumentException("The bounds must be as long as the destination.", nameof(lowerBound));
        }

        var forecast = PointForecast(destination.Length, nameof(destination));
        var deviation = _deviation.AsSpan(0, forecast.Length);
        _model!.ForecastStandardDeviations(deviation);
        for (int i = 0; i < forecast.Length; i++)
        {
            double margin = _z * deviation[i];
            destination[i] = (float)forecast[i];
            lowerBound[i] = (float)(forecast[i] - margin);
            upperBound[i] = (float)(forecast[i] + margin);
        }
    }

    private Span<double> PointForecast(int length, string paramName)
    {
        var model = TrainedModel();
        if (length < 1 || length > Horizon)
        {
            throw new ArgumentException($"Between 1 and {Horizon} steps can be forecast.", paramName);
        }

        var forecast = _forecast.AsSpan(0, length);
        model.Forecast(forecast);
        return forecast;
    }

    private SsaModel TrainedModel() => _model ?? throw new InvalidOperationException("Train the forecaster first.");
}
