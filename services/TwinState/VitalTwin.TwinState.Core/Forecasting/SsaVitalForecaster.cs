using VitalTwin.Detection;

namespace VitalTwin.TwinState.Core.Forecasting;

/// <summary>
/// Singular Spectrum Analysis forecast (ML.NET's ForecastBySsa, DETECTORS.md §1.7), trained afresh on the window
/// each time, so the twin keeps no model between calls. Gaps inside the window are filled by straight lines;
/// with too few points for SSA, or an unusable result, it falls back to <see cref="LinearTrendForecaster"/>.
/// </summary>
public sealed class SsaVitalForecaster(int windowSize = 6) : IVitalForecaster
{
    public int WindowSize { get; } = windowSize >= 2 ? windowSize : throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "The SSA window must be at least 2.");

    public double? Forecast(ReadOnlySpan<float> series, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int first = 0, last = series.Length - 1;
        while (first <= last && !float.IsFinite(series[first]))
        {
            first++;
        }

        while (last >= first && !float.IsFinite(series[last]))
        {
            last--;
        }

        int length = last - first + 1;
        if (length <= 2 * WindowSize)
        {
            return LinearTrendForecaster.Instance.Forecast(series, steps);
        }

        int ahead = steps + (series.Length - 1 - last);
        Span<float> filled = length <= 256 ? stackalloc float[length] : new float[length];
        FillGaps(series[first..(last + 1)], filled);
        Span<float> forecast = ahead <= 256 ? stackalloc float[ahead] : new float[ahead];
        var ssa = new SsaForecaster(WindowSize, WindowSize + 1, length, ahead);
        ssa.Train(filled);
        ssa.Forecast(forecast);
        double value = forecast[^1];
        return double.IsFinite(value) ? value : LinearTrendForecaster.Instance.Forecast(series, steps);
    }

    // Both ends are finite, so every gap lies between two known points.
    private static void FillGaps(ReadOnlySpan<float> source, Span<float> destination)
    {
        int known = 0;
        destination[0] = source[0];
        for (int i = 1; i < source.Length; i++)
        {
            if (!float.IsFinite(source[i]))
            {
                continue;
            }

            for (int j = known + 1; j < i; j++)
            {
                destination[j] = source[known] + ((source[i] - source[known]) * (j - known) / (i - known));
            }

            destination[i] = source[i];
            known = i;
        }
    }
}
