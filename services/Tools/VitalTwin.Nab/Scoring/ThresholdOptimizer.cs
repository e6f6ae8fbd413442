namespace VitalTwin.Nab.Scoring;

/// <summary>
/// NAB's threshold optimisation (numenta/NAB <c>nab/optimizer.py</c>): one threshold per detector and profile for the
/// whole corpus, the one with the highest total raw score, found by sweeping down through every distinct anomaly score.
/// </summary>
public static class ThresholdOptimizer
{
    /// <summary>The sweep starts above any anomaly score, where nothing is detected.</summary>
    public const double AboveEveryScore = 1.1;

    /// <summary>The best threshold; on a tie the higher threshold wins, as in NAB.</summary>
    public static ThresholdScore Optimize(IEnumerable<(LabelledSeries Series, IReadOnlyList<double> AnomalyScores)> corpus, NabProfile profile)
    {
        var best = new ThresholdScore(AboveEveryScore, double.NegativeInfinity);
        foreach (var point in Sweep(corpus, profile))
        {
            if (point.Score > best.Score)
            {
                best = point;
            }
        }

        return best;
    }

    /// <summary>The corpus score at every distinct anomaly score, from <see cref="AboveEveryScore"/> downwards.</summary>
    public static IReadOnlyList<ThresholdScore> Sweep(IEnumerable<(LabelledSeries Series, IReadOnlyList<double> AnomalyScores)> corpus, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(profile);
        var points = new List<(double AnomalyScore, int Window, double Credit)>();
        var windowScores = new List<double>();
        foreach (var (series, anomalyScores) in corpus)
        {
            var credits = NabScorer.Credits(series, profile);
            if (anomalyScores.Count != credits.Length)
            {
                throw new ArgumentException($"{series.Name}: {anomalyScores.Count} anomaly scores for {credits.Length} rows.", nameof(corpus));
            }

            // Windows are numbered across the corpus; a window counts only if it has a scored row.
            var corpusWindow = new int[series.Windows.Count];
            Array.Fill(corpusWindow, -1);
            for (int i = 0; i < credits.Length; i++)
            {
                var credit = credits[i];
                if (!credit.Scored)
                {
                    continue;
                }

                double anomalyScore = anomalyScores[i];
                if (!(anomalyScore is >= 0 and <= 1))
                {
                    throw new ArgumentException($"{series.Name}: anomaly score {anomalyScore} at row {i} is outside [0, 1].", nameof(corpus));
                }

                int window = -1;
                if (credit.Window >= 0)
                {
                    if (corpusWindow[credit.Window] < 0)
                    {
                        corpusWindow[credit.Window] = windowScores.Count;
                        windowScores.Add(-profile.FalseNegativeWeight);
                    }

                    window = corpusWindow[credit.Window];
                }

                points.Add((anomalyScore, window, credit.Score));
            }
        }

        points.Sort((a, b) => b.AnomalyScore.CompareTo(a.AnomalyScore));

        var sweep = new List<ThresholdScore>();
        double total = windowScores.Sum();
        double threshold = AboveEveryScore;
        foreach (var (anomalyScore, window, credit) in points)
        {
            if (anomalyScore != threshold)
            {
                sweep.Add(new ThresholdScore(threshold, total));
                threshold = anomalyScore;
            }

            if (window < 0)
            {
                total += credit;
            }
            else if (credit > windowScores[window])
            {
                total += credit - windowScores[window];
                windowScores[window] = credit;
            }
        }

        sweep.Add(new ThresholdScore(threshold, total));
        return sweep;
    }
}
