using VitalTwin.Nab.Detectors;

namespace VitalTwin.Nab.Tests;

public sealed class SpikeViewsScorerTests
{
    [Fact]
    public void Finds_the_daily_cycle_of_5_minute_data_in_the_probationary_rows()
    {
        var file = StoredResults.DataFiles().Single(f => f.Name == "artificialNoAnomaly/art_daily_small_noise.csv");
        int probation = StoredResults.Labelled(file).ProbationaryLength;
        Assert.Equal(288, SeasonalPeriod.Detect(file.Values.Take(probation).ToArray()));
    }

    [Fact]
    public void Finds_the_period_of_a_noisy_sine_and_none_in_white_noise()
    {
        var random = new Random(11);
        double[] sine = Enumerable.Range(0, 600).Select(i => Math.Sin(2 * Math.PI * i / 48) + (0.3 * Gaussian(random))).ToArray();
        double[] noise = Enumerable.Range(0, 600).Select(_ => Gaussian(random)).ToArray();

        // A pure sine predicts itself equally well at every multiple of its period; any of them will do as a lag.
        int period = SeasonalPeriod.Detect(sine);
        Assert.True(period > 0 && period % 48 == 0, $"period {period}");
        Assert.Equal(0, SeasonalPeriod.Detect(noise));
        Assert.Equal(0, SeasonalPeriod.Detect(Enumerable.Repeat(3.0, 600).ToArray()));
    }

    [Fact]
    public void Prefers_the_weekly_cycle_to_the_daily_one_it_contains()
    {
        // Half-hourly data with quiet weekends, over NAB's longest probationary period (750 rows, 15.6 days): the
        // lag of a week predicts better than the lag of a day, though only 414 pairs are that far apart.
        var random = new Random(2);
        double[] taxi = Enumerable.Range(0, 750)
            .Select(i => ((1 + Math.Sin(2 * Math.PI * i / 48)) * ((i / 48) % 7 >= 5 ? 0.4 : 1.0)) + (0.1 * Gaussian(random)))
            .ToArray();

        Assert.Equal(336, SeasonalPeriod.Detect(taxi));
    }

    [Fact]
    public void A_spike_in_noise_scores_near_one_and_ordinary_values_do_not()
    {
        var random = new Random(5);
        var scorer = new SpikeViewsScorer(new SpikeViewsConfiguration(HistoryLength: 200), probationaryLength: 150);
        var scores = Enumerable.Range(0, 400).Select(i => scorer.Score(i == 300 ? 20 : Gaussian(random))).ToArray();

        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.True(scores[300] > 0.9999, $"spike scored {scores[300]}");
        Assert.True(scores.Where((_, i) => i is > 200 and < 300).Max() < 0.999, "an ordinary value scored like a spike");
        Assert.Equal(0, scorer.Period);
    }

    [Fact]
    public void A_broken_cycle_is_seen_by_the_seasonal_view()
    {
        // A square wave whose levels stay in range: only the seasonal step sees a cycle that stays low.
        var random = new Random(3);
        var scorer = new SpikeViewsScorer(new SpikeViewsConfiguration(HistoryLength: 500), probationaryLength: 300);
        double[] scores = Enumerable.Range(0, 1000)
            .Select(i => scorer.Score((i is >= 800 and < 820 ? 0 : (i % 40 < 20 ? 10 : 0)) + (0.1 * Gaussian(random))))
            .ToArray();

        Assert.Equal(40, scorer.Period);
        Assert.True(scores.Skip(800).Take(20).Max() > 0.999, "the missing high half-cycle went unnoticed");
        Assert.True(scores.Skip(500).Take(300).Max() < 0.999, "a regular cycle was scored as anomalous");
    }

    [Fact]
    public void A_spike_in_a_cycle_does_not_echo_one_period_later()
    {
        var random = new Random(8);
        var scorer = new SpikeViewsScorer(new SpikeViewsConfiguration(HistoryLength: 500), probationaryLength: 300);
        double[] scores = Enumerable.Range(0, 1000)
            .Select(i => scorer.Score((i == 600 ? 15 : 0) + (5 * Math.Sin(2 * Math.PI * i / 40)) + (0.2 * Gaussian(random))))
            .ToArray();

        Assert.Equal(0, scorer.Period % 40);
        Assert.True(scores[600] > 0.9999, $"spike scored {scores[600]}");
        Assert.True(scores.Skip(601).Take(199).Max() < 0.999, "the cycles after the spike were scored as anomalous");
    }

    [Fact]
    public void An_event_is_reported_once_however_long_it_lasts()
    {
        // A level shift keeps every view surprised for several rows; only its first row keeps its score.
        var random = new Random(4);
        var scorer = new SpikeViewsScorer(new SpikeViewsConfiguration(HistoryLength: 300), probationaryLength: 200);
        double[] scores = Enumerable.Range(0, 600).Select(i => scorer.Score((i >= 400 ? 30 : 0) + Gaussian(random))).ToArray();

        Assert.True(scores[400] > 0.9999, $"shift scored {scores[400]}");
        Assert.All(scores.Skip(401).Take(new SpikeViewsConfiguration().RepeatWindow(200)), s => Assert.Equal(0, s));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
