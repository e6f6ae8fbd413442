using MathNet.Numerics.Distributions;

namespace VitalTwin.Nab.Detectors;

/// <summary>
/// The dominant period of a short stretch of series: the lag whose autocorrelation is the highest local peak, kept only
/// if it passes ML.NET's randomness test (r ≥ Φ⁻¹(1 − α)/√(n − lag), α = 0.05) with α shared out over the n/2 lags
/// searched, so that white noise rarely shows a period. The autocorrelation is the unbiased estimate (lag-k
/// autocovariance averaged over its n − k pairs): the usual biased one shrinks lag k by (n − k)/n, which on NAB's short
/// probationary periods makes a weekly cycle lose to the daily one it contains. ML.NET's own DetectSeasonality tests one
/// lag found by FFT and needs eight periods in the sample, which NAB's probationary period (at most 750 rows) cannot
/// give for a daily cycle of 5-minute data.
/// </summary>
public static class SeasonalPeriod
{
    /// <summary>α of ML.NET's randomness test (randomnessThreshold 0.95).</summary>
    public const double Significance = 0.05;

    private const int MinimumLength = 8;
    private const int MinimumPeriod = 2;

    /// <summary>The period in rows, between 2 and n/2, or 0 when no lag is both a local ACF peak and significant.</summary>
    public static int Detect(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        if (n < MinimumLength || values.Any(v => !double.IsFinite(v)))
        {
            return 0;
        }

        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / n;
        if (variance <= 0)
        {
            return 0;
        }

        int maxLag = n / 2;
        var acf = new double[maxLag + 2];
        for (int lag = 1; lag < acf.Length; lag++)
        {
            double sum = 0;
            for (int i = lag; i < n; i++)
            {
                sum += (values[i] - mean) * (values[i - lag] - mean);
            }

            acf[lag] = sum / (n - lag) / variance;
        }

        int period = 0;
        double best = double.NegativeInfinity;
        double quantile = Normal.InvCDF(0, 1, 1 - (Significance / maxLag));
        for (int lag = MinimumPeriod; lag <= maxLag; lag++)
        {
            bool peak = acf[lag] > acf[lag - 1] && acf[lag] >= acf[lag + 1];
            if (peak && acf[lag] > quantile / Math.Sqrt(n - lag) && acf[lag] > best)
            {
                period = lag;
                best = acf[lag];
            }
        }

        return period;
    }
}
