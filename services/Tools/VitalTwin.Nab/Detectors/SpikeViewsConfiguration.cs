namespace VitalTwin.Nab.Detectors;

/// <summary>The benchmarked detector's parameters; the NAB threshold is optimised per profile, not configured.</summary>
/// <param name="HistoryLength">
/// W, the past values each IID spike detector compares a value with (its pvalueHistoryLength). 1000 rows is about
/// 3.5 days of NAB's usual 5-minute sampling, several daily cycles.
/// </param>
/// <param name="SeasonalCycles">
/// How many earlier cycles the seasonal views take the median of: 3, the fewest for which a median ignores one
/// anomalous cycle.
/// </param>
/// <param name="RepeatWindowFraction">
/// R as a fraction of the probationary length: a score is kept only if it beats every score of the previous R rows.
/// NAB's probationary length is 15 % of the file (capped at 750 rows), so 1/8 of it is 1.9 % of a short file and 93
/// rows of a long one: narrower than a NAB window (its windows share 10 % of the file) unless the file holds five or
/// more anomalies.
/// </param>
public sealed record SpikeViewsConfiguration(int HistoryLength = 1000, int SeasonalCycles = 3, double RepeatWindowFraction = 0.125)
{
    public string Describe() =>
        $"IID spike p-values (two-sided, W = {HistoryLength}) on value, step and seasonal step (medians of {SeasonalCycles} cycles); " +
        $"score = 1 − Bonferroni-adjusted min p, kept only if above every score of the previous {RepeatWindowFraction:0.###} × probation rows";

    /// <summary>R in rows for a file with the given probationary length.</summary>
    public int RepeatWindow(int probationaryLength) => RepeatWindowFraction >= 0
        ? (int)Math.Floor(probationaryLength * RepeatWindowFraction)
        : throw new ArgumentOutOfRangeException(nameof(RepeatWindowFraction), RepeatWindowFraction, "The repeat window cannot be negative.");
}
