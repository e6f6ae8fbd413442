namespace VitalTwin.TwinState.Core.Forecasting;

/// <summary>Extends the least-squares line through the window. Cheap, and a fair guess over a few minutes.</summary>
public sealed class LinearTrendForecaster : IVitalForecaster
{
    public static LinearTrendForecaster Instance { get; } = new();

    public double? Forecast(ReadOnlySpan<float> series, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        return LinearTrend.Fit(series) is { } line ? line.ValueAt(series.Length - 1 + steps) : null;
    }
}
