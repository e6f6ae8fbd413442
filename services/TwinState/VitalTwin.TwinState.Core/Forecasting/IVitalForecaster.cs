namespace VitalTwin.TwinState.Core.Forecasting;

/// <summary>Projects one vital's recent trend points forward.</summary>
public interface IVitalForecaster
{
    /// <summary>
    /// The value expected <paramref name="steps"/> points after the last one of <paramref name="series"/>, or null
    /// when the series cannot support a forecast.
    /// </summary>
    /// <param name="series">Equally spaced points, oldest first; NaN where no reading fell.</param>
    double? Forecast(ReadOnlySpan<float> series, int steps);
}
