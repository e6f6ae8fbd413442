using VitalTwin.Nab.Scoring;

namespace VitalTwin.Nab.Tests;

public sealed class NabScorerTests
{
    private static readonly NabProfile Standard = NabProfile.Standard;

    [Theory]
    [InlineData(1127, 169)]
    [InlineData(4032, 604)]
    [InlineData(4999, 749)]
    [InlineData(5000, 750)]
    [InlineData(22695, 750)]
    public void Probationary_period_is_15_percent_capped_at_750_rows(int rows, int expected)
    {
        Assert.Equal(expected, NabScorer.ProbationaryLength(rows));
    }

    [Fact]
    public void Scaled_sigmoid_matches_NABs_documented_points()
    {
        Assert.Equal(0.98661, NabScorer.ScaledSigmoid(-1.0), 5);
        Assert.Equal(0.84828, NabScorer.ScaledSigmoid(-0.5), 5);
        Assert.Equal(0.0, NabScorer.ScaledSigmoid(0.0), 12);
        Assert.Equal(-0.98661, NabScorer.ScaledSigmoid(1.0), 5);
        Assert.Equal(-1.0, NabScorer.ScaledSigmoid(3.01));
    }

    [Fact]
    public void Only_the_earliest_detection_in_a_window_counts_and_at_the_left_edge_it_earns_the_full_weight()
    {
        var series = Series(1000, new LabelWindow(500, 509));
        double[] scores = Scores(1000, 500, 505, 509);
        var score = NabScorer.Score(series, scores, 0.5, Standard);
        Assert.Equal(1.0, score.Score, 12);
        Assert.Equal((3, 7), (score.TruePositives, score.FalseNegatives));
    }

    [Fact]
    public void Later_detections_in_a_window_earn_less()
    {
        var series = Series(1000, new LabelWindow(500, 509));
        double early = NabScorer.Score(series, Scores(1000, 502), 0.5, Standard).Score;
        double late = NabScorer.Score(series, Scores(1000, 508), 0.5, Standard).Score;
        Assert.True(early > late && late > 0, $"early {early}, late {late}");
    }

    [Fact]
    public void A_missed_window_costs_the_false_negative_weight()
    {
        var series = Series(1000, new LabelWindow(500, 509));
        Assert.Equal(-2.0, NabScorer.Score(series, new double[1000], 0.5, NabProfile.RewardLowFalseNegativeRate).Score);
        Assert.Equal(-2.0, NabScorer.MissedEverything(series, NabProfile.RewardLowFalseNegativeRate));
    }

    [Fact]
    public void Each_false_positive_before_any_window_costs_the_false_positive_weight()
    {
        var series = Series(1000);
        var score = NabScorer.Score(series, Scores(1000, 300, 301), 0.5, NabProfile.RewardLowFalsePositiveRate);
        Assert.Equal(-0.44, score.Score, 12);
        Assert.Equal(2, score.FalsePositives);
    }

    [Fact]
    public void A_false_positive_just_after_a_window_costs_less_than_one_further_away()
    {
        var series = Series(1000, new LabelWindow(500, 509));
        double near = NabScorer.Score(series, Scores(1000, 510), 0.5, Standard).Score;
        double far = NabScorer.Score(series, Scores(1000, 530), 0.5, Standard).Score;
        Assert.True(near > far && far >= -1 - Standard.FalsePositiveWeight, $"near {near}, far {far}");
        Assert.Equal(-1 - Standard.FalsePositiveWeight, NabScorer.Score(series, Scores(1000, 900), 0.5, Standard).Score, 12);
    }

    [Fact]
    public void Detections_in_the_probationary_period_are_ignored()
    {
        var series = Series(1000);
        var score = NabScorer.Score(series, Scores(1000, 0, 149), 0.5, Standard);
        Assert.Equal(0.0, score.Score);
        Assert.Equal(850, score.TrueNegatives);
        Assert.Equal(1000, score.TotalCount);
    }

    [Fact]
    public void Row_scores_sum_to_the_file_score()
    {
        var series = Series(1000, new LabelWindow(300, 349), new LabelWindow(600, 649));
        double[] scores = Scores(1000, 200, 320, 330, 360, 700);
        var rows = NabScorer.RowScores(series, scores, 0.5, Standard);
        Assert.Equal(NabScorer.Score(series, scores, 0.5, Standard).Score, rows.Sum(), 12);
        Assert.Equal(-1.0, rows[600]);
    }

    [Fact]
    public void The_optimiser_finds_the_best_of_all_thresholds_on_a_random_corpus()
    {
        var random = new Random(7);
        var corpus = Enumerable.Range(0, 5).Select(f =>
        {
            int rows = 800 + (100 * f);
            var series = Series(rows, new LabelWindow(300 + f, 360 + f), new LabelWindow(600, 620 + (10 * f)));
            IReadOnlyList<double> scores = Enumerable.Range(0, rows).Select(_ => Math.Round(random.NextDouble() * random.NextDouble(), 3)).ToArray();
            return (series, scores);
        }).ToList();

        foreach (var profile in NabProfile.All)
        {
            var best = ThresholdOptimizer.Optimize(corpus, profile);
            var thresholds = corpus.SelectMany(c => c.scores).Distinct().Append(ThresholdOptimizer.AboveEveryScore);
            double bruteForce = thresholds.Max(t => corpus.Sum(c => NabScorer.Score(c.series, c.scores, t, profile).Score));
            Assert.Equal(bruteForce, best.Score, 9);
            Assert.Equal(best.Score, corpus.Sum(c => NabScorer.Score(c.series, c.scores, best.Threshold, profile).Score), 9);
        }
    }

    [Fact]
    public void On_a_tie_the_optimiser_keeps_the_higher_threshold()
    {
        var series = Series(1000);
        var best = ThresholdOptimizer.Optimize([(series, new double[1000])], Standard);
        Assert.Equal(new ThresholdScore(ThresholdOptimizer.AboveEveryScore, 0), best);
    }

    [Fact]
    public void Window_edges_must_be_timestamps_of_the_file()
    {
        var start = new DateTime(2015, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        DateTime[] timestamps = Enumerable.Range(0, 10).Select(i => start.AddMinutes(5 * i)).ToArray();
        var series = LabelledSeries.FromTimestamps("a.csv", timestamps, [(timestamps[2], timestamps[4])]);
        Assert.Equal([new LabelWindow(2, 4)], series.Windows);
        Assert.Throws<InvalidDataException>(() => LabelledSeries.FromTimestamps("a.csv", timestamps, [(timestamps[2], timestamps[4].AddMinutes(1))]));
    }

    private static LabelledSeries Series(int rows, params LabelWindow[] windows) => new("test.csv", rows, windows);

    private static double[] Scores(int rows, params int[] detections)
    {
        var scores = new double[rows];
        foreach (int row in detections)
        {
            scores[row] = 1;
        }

        return scores;
    }
}
