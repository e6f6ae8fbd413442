namespace VitalTwin.Nab.Scoring;

/// <summary>
/// NAB's scoring rules (numenta/NAB <c>nab/sweeper.py</c>): scaled-sigmoid credit for the earliest detection in each
/// window, a penalty for every detection outside windows that shrinks just after a window, and a probationary period
/// that is not scored.
/// </summary>
public static class NabScorer
{
    public const double ProbationaryFraction = 0.15;

    // NAB caps the probationary period at probationPercent × 5000 rows, i.e. 750.
    private const int ProbationaryCapBase = 5000;

    /// <summary>min(⌊0.15·N⌋, 750), computed in doubles as NAB does.</summary>
    public static int ProbationaryLength(int rowCount) =>
        (int)Math.Min(Math.Floor(ProbationaryFraction * rowCount), ProbationaryFraction * ProbationaryCapBase);

    /// <summary>2/(1 + e^{5y}) − 1, and −1 beyond y = 3: about +0.987 at a window's left edge (y = −1), 0 at its right edge.</summary>
    public static double ScaledSigmoid(double relativePosition) =>
        relativePosition > 3.0 ? -1.0 : (2 * (1 / (1 + Math.Exp(5 * relativePosition)))) - 1.0;

    /// <summary>The credit each row of the file would earn if it were a detection.</summary>
    public static RowCredit[] Credits(LabelledSeries series, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(profile);
        var windows = series.Windows;
        var credits = new RowCredit[series.RowCount];
        double maxTruePositive = ScaledSigmoid(-1.0);
        int probation = series.ProbationaryLength;
        int next = 0;
        LabelWindow? previous = null;
        for (int i = 0; i < credits.Length; i++)
        {
            while (next < windows.Count && windows[next].End < i)
            {
                previous = windows[next++];
            }

            int window = -1;
            double score;
            if (next < windows.Count && windows[next].Start <= i)
            {
                var current = windows[next];
                double position = -(current.End - i + 1) / (double)current.Width;
                score = ScaledSigmoid(position) * profile.TruePositiveWeight / maxTruePositive;
                window = next;
            }
            else if (previous is { } before)
            {
                // Distance past the preceding window's right edge, in that window's widths.
                double position = Math.Abs(before.End - i) / (double)(before.Width - 1);
                score = ScaledSigmoid(position) * profile.FalsePositiveWeight;
            }
            else
            {
                score = -1.0 * profile.FalsePositiveWeight;
            }

            credits[i] = new RowCredit(i >= probation, window, score);
        }

        return credits;
    }

    /// <summary>Scores a file: every row whose anomaly score is at least <paramref name="threshold"/> is a detection.</summary>
    public static FileScore Score(LabelledSeries series, IReadOnlyList<double> anomalyScores, double threshold, NabProfile profile)
    {
        var credits = CheckedCredits(series, anomalyScores, profile);
        var best = new double[series.Windows.Count];
        var scorable = new bool[series.Windows.Count];
        Array.Fill(best, double.NegativeInfinity);
        double falsePositiveScore = 0;
        int tp = 0, tn = 0, fp = 0, fn = 0;
        for (int i = 0; i < credits.Length; i++)
        {
            var credit = credits[i];
            if (!credit.Scored)
            {
                continue;
            }

            bool detected = anomalyScores[i] >= threshold;
            if (credit.Window >= 0)
            {
                scorable[credit.Window] = true;
                if (detected)
                {
                    tp++;
                    best[credit.Window] = Math.Max(best[credit.Window], credit.Score);
                }
                else
                {
                    fn++;
                }
            }
            else if (detected)
            {
                fp++;
                falsePositiveScore += credit.Score;
            }
            else
            {
                tn++;
            }
        }

        double score = falsePositiveScore;
        for (int w = 0; w < best.Length; w++)
        {
            if (scorable[w])
            {
                score += Math.Max(-profile.FalseNegativeWeight, best[w]);
            }
        }

        return new FileScore(series.Name, score, tp, tn, fp, fn, series.RowCount);
    }

    /// <summary>The score of detecting nothing: every window with a scored row is missed (NAB's null detector).</summary>
    public static double MissedEverything(LabelledSeries series, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(profile);
        int probation = series.ProbationaryLength;
        return -profile.FalseNegativeWeight * series.Windows.Count(w => w.End >= probation);
    }

    /// <summary>
    /// Each row's contribution as NAB's results CSVs store it in their <c>S(t)_profile</c> columns: a window's
    /// score (its best detection, or −fnW if missed) on the window's first row, each false positive's penalty on
    /// its own row, zero elsewhere. The column sums to the file's score.
    /// </summary>
    public static double[] RowScores(LabelledSeries series, IReadOnlyList<double> anomalyScores, double threshold, NabProfile profile)
    {
        var credits = CheckedCredits(series, anomalyScores, profile);
        var rows = new double[credits.Length];
        var first = new int[series.Windows.Count];
        Array.Fill(first, -1);
        for (int i = 0; i < credits.Length; i++)
        {
            var credit = credits[i];
            if (!credit.Scored || anomalyScores[i] < threshold)
            {
                continue;
            }

            if (credit.Window < 0)
            {
                rows[i] = credit.Score;
            }
            else if (first[credit.Window] < 0)
            {
                first[credit.Window] = i;
            }
        }

        int probation = series.ProbationaryLength;
        for (int w = 0; w < first.Length; w++)
        {
            var window = series.Windows[w];
            if (window.End >= probation)
            {
                rows[window.Start] = first[w] < 0 ? -profile.FalseNegativeWeight : credits[first[w]].Score;
            }
        }

        return rows;
    }

    private static RowCredit[] CheckedCredits(LabelledSeries series, IReadOnlyList<double> anomalyScores, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(anomalyScores);
        if (anomalyScores.Count != series.RowCount)
        {
            throw new ArgumentException($"{series.Name}: {anomalyScores.Count} anomaly scores for {series.RowCount} rows.", nameof(anomalyScores));
        }

        return Credits(series, profile);
    }
}
