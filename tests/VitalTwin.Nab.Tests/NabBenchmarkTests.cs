using VitalTwin.Nab.Benchmark;
using VitalTwin.Nab.Detectors;
using VitalTwin.Nab.Scoring;
using Xunit.Abstractions;

namespace VitalTwin.Nab.Tests;

public sealed class NabBenchmarkTests(ITestOutputHelper output)
{
    // Twitter ADVec's standard score on the full corpus, the bar the brief sets.
    private const double TwitterAdvecStandard = 47.1;

    [Fact]
    public void A_detector_that_never_fires_normalises_to_zero_and_one_that_fires_at_each_window_start_to_100()
    {
        var files = StoredResults.DataFiles().Select(StoredResults.Labelled).ToList();
        var silent = files.Select(s => new DetectedFile(s, new double[s.RowCount])).ToList();
        var perfect = files.Select(s =>
        {
            var scores = new double[s.RowCount];
            foreach (var window in s.Windows)
            {
                scores[window.Start] = 1;
            }

            return new DetectedFile(s, scores);
        }).ToList();

        foreach (var profile in NabProfile.All)
        {
            var none = NabBenchmark.Score(silent, profile);
            Assert.Equal(0, none.Normalized, 12);
            Assert.Equal(-22 * profile.FalseNegativeWeight, none.NullTotal);
            Assert.Equal(100, NabBenchmark.Score(perfect, profile).Normalized, 9);
        }
    }

    [Fact]
    public void The_spike_views_detector_beats_Twitter_ADVec_on_the_shared_subset()
    {
        var configuration = new SpikeViewsConfiguration();
        var files = NabBenchmark.Detect(SharedNab.PathTo(), probation => new SpikeViewsScorer(configuration, probation), TextWriter.Null);
        Assert.Equal(10, files.Count);
        Assert.All(files, f => Assert.All(f.AnomalyScores, s => Assert.InRange(s, 0, 1)));

        var results = NabProfile.All.Select(p => NabBenchmark.Score(files, p)).ToList();
        foreach (var result in results)
        {
            output.WriteLine($"{result.Profile.Name}: {result.Normalized:F2} at threshold {result.Threshold:R}");
            Assert.Equal(result.Files.Sum(f => f.Score), result.Total, 9);
        }

        Assert.True(results[0].Normalized > TwitterAdvecStandard, $"standard {results[0].Normalized:F2}");
    }
}
