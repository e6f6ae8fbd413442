namespace VitalTwin.Evaluation.Metrics;

public static class Percentiles
{
    /// <summary>
    /// The <paramref name="fraction"/> quantile with linear interpolation between the closest ranks (as numpy and
    /// R's default type 7 compute it): the median of 1, 2, 3, 4 is 2.5. Null for no values.
    /// </summary>
    public static double? Of(IReadOnlyCollection<double> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        if (values.Count == 0)
        {
            return null;
        }
        var sorted = values.Order().ToArray();
        var rank = fraction * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }
}
