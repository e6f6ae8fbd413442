namespace VitalTwin.Evaluation.Metrics;

/// <summary>
/// One figure over several seeds: mean, sample standard deviation (n − 1; 0 for a single seed), least and most.
/// Seeds where the figure could not be measured (NaN, e.g. a delay with no detection) are left out and counted.
/// </summary>
public sealed record Spread(int Count, double Mean, double StandardDeviation, double Min, double Max, int Unmeasured)
{
    public static Spread Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var all = values.ToList();
        var measured = all.Where(double.IsFinite).ToList();
        if (measured.Count == 0)
        {
            return new Spread(0, double.NaN, double.NaN, double.NaN, double.NaN, all.Count);
        }
        var mean = measured.Average();
        var sd = measured.Count > 1 ? Math.Sqrt(measured.Sum(v => (v - mean) * (v - mean)) / (measured.Count - 1)) : 0;
        return new Spread(measured.Count, mean, sd, measured.Min(), measured.Max(), all.Count - measured.Count);
    }
}
