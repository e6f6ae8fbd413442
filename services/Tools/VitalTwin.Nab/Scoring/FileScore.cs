namespace VitalTwin.Nab.Scoring;

/// <summary>
/// A data file's raw NAB score at one threshold, with the row counts NAB writes beside it. The counts exclude
/// the probationary period; <see cref="TotalCount"/> is every row, as in NAB's <c>*_scores.csv</c>.
/// </summary>
public sealed record FileScore(
    string File,
    double Score,
    int TruePositives,
    int TrueNegatives,
    int FalsePositives,
    int FalseNegatives,
    int TotalCount);
