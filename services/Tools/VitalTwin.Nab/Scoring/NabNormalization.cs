namespace VitalTwin.Nab.Scoring;

/// <summary>NAB's final score (numenta/NAB <c>nab/runner.py</c>, <c>normalize</c>): 0 for the null detector, 100 for a perfect one.</summary>
public static class NabNormalization
{
    /// <summary>100·(S − S_null)/(S_perfect − S_null).</summary>
    public static double Normalize(double score, double nullScore, double perfectScore) =>
        100 * (score - nullScore) / (perfectScore - nullScore);

    /// <summary>A perfect detector earns the true-positive weight once per window.</summary>
    public static double PerfectScore(int windowCount, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return windowCount * profile.TruePositiveWeight;
    }
}
