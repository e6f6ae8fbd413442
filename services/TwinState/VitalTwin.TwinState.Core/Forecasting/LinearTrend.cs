namespace VitalTwin.TwinState.Core.Forecasting;

/// <summary>Ordinary least-squares line through the points that have data; x is the point's index.</summary>
public readonly record struct LinearTrend(double Intercept, double Slope, int Points)
{
    public double ValueAt(double index) => Intercept + (Slope * index);

    /// <summary>The fitted line, or null when fewer than two points have data or they all share one index.</summary>
    public static LinearTrend? Fit(ReadOnlySpan<float> series)
    {
        int n = 0;
        double sumX = 0, sumY = 0;
        for (int i = 0; i < series.Length; i++)
        {
            if (float.IsFinite(series[i]))
            {
                n++;
                sumX += i;
                sumY += series[i];
            }
        }

        if (n < 2)
        {
            return null;
        }

        double meanX = sumX / n, meanY = sumY / n, sxx = 0, sxy = 0;
        for (int i = 0; i < series.Length; i++)
        {
            if (float.IsFinite(series[i]))
            {
                double dx = i - meanX;
                sxx += dx * dx;
                sxy += dx * (series[i] - meanY);
            }
        }

        if (sxx == 0)
        {
            return null;
        }

        double slope = sxy / sxx;
        return new LinearTrend(meanY - (slope * meanX), slope, n);
    }
}
