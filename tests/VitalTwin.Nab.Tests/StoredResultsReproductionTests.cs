using VitalTwin.Nab.Scoring;
using Xunit.Abstractions;

namespace VitalTwin.Nab.Tests;

/// <summary>The scorer, given NAB's stored anomaly scores and thresholds, reproduces NAB's stored per-file results.</summary>
public sealed class StoredResultsReproductionTests(ITestOutputHelper output)
{
    // The score tables print 12 significant digits.
    private const double StoredPrecision = 1e-9;

    // NAB's null detector scores every row 0.5; its results keep no per-row files.
    private const double NullDetectorScore = 0.5;

    [Fact]
    public void The_subset_holds_results_of_the_null_numenta_and_windowedGaussian_detectors()
    {
        Assert.Equal(["null", "numenta", "windowedGaussian"], StoredResults.Detectors());
    }

    [Theory]
    [InlineData("null")]
    [InlineData("numenta")]
    [InlineData("windowedGaussian")]
    public void Per_file_scores_and_counts_match_the_stored_score_tables(string detector)
    {
        int compared = 0;
        double worst = 0;
        foreach (var file in StoredResults.DataFiles())
        {
            var series = StoredResults.Labelled(file);
            double[]? anomalyScores = detector == "null"
                ? Enumerable.Repeat(NullDetectorScore, file.Values.Length).ToArray()
                : StoredResults.RowResults(detector, file.Name)?.Doubles("anomaly_score");
            if (anomalyScores is null)
            {
                continue;
            }

            foreach (var profile in NabProfile.All)
            {
                if (StoredResults.ScoreTable(detector, profile.Name) is not { } table)
                {
                    continue;
                }

                var stored = table.Files[file.Name];
                var scored = NabScorer.Score(series, anomalyScores, StoredResults.Threshold(detector, profile.Name), profile);
                output.WriteLine($"{detector} {profile.Name} {file.Name}: stored {stored.Score:R}, scored {scored.Score:R}");
                Assert.Equal(stored.Score, scored.Score, StoredPrecision);
                Assert.Equal(
                    (stored.Tp, stored.Tn, stored.Fp, stored.Fn, stored.Total),
                    (scored.TruePositives, scored.TrueNegatives, scored.FalsePositives, scored.FalseNegatives, scored.TotalCount));
                worst = Math.Max(worst, Math.Abs(stored.Score - scored.Score));
                compared++;
            }
        }

        output.WriteLine($"{compared} file scores compared, largest difference {worst:E2}");
        int expected = detector switch
        {
            "null" => 30,       // every data file of the subset, three profiles
            "numenta" => 6,     // two per-row files, three profiles
            _ => 1,             // one per-row file, standard profile only
        };
        Assert.Equal(expected, compared);
    }

    [Theory]
    [InlineData("numenta")]
    [InlineData("windowedGaussian")]
    public void Per_row_scores_and_labels_match_the_stored_result_files(string detector)
    {
        int compared = 0;
        foreach (var file in StoredResults.DataFiles())
        {
            if (StoredResults.RowResults(detector, file.Name) is not { } rows)
            {
                continue;
            }

            var series = StoredResults.Labelled(file);
            double[] labels = rows.Doubles("label");
            for (int i = 0; i < labels.Length; i++)
            {
                bool inWindow = series.Windows.Any(w => w.Start <= i && i <= w.End);
                Assert.True((labels[i] == 1) == inWindow, $"{file.Name} row {i}: label {labels[i]}, in window {inWindow}");
            }

            double[] anomalyScores = rows.Doubles("anomaly_score");
            foreach (var profile in NabProfile.All)
            {
                double[] stored = rows.Doubles($"S(t)_{profile.Name}");
                double[] scored = NabScorer.RowScores(series, anomalyScores, StoredResults.Threshold(detector, profile.Name), profile);
                for (int i = 0; i < stored.Length; i++)
                {
                    Assert.True(Math.Abs(stored[i] - scored[i]) < StoredPrecision, $"{detector} {profile.Name} {file.Name} row {i}: stored {stored[i]}, scored {scored[i]}");
                }

                compared++;
            }
        }

        Assert.True(compared > 0, $"no per-row result files for {detector}");
    }

    [Theory]
    [InlineData("null")]
    [InlineData("numenta")]
    [InlineData("windowedGaussian")]
    public void Stored_corpus_totals_normalise_to_the_final_results(string detector)
    {
        int windows = StoredResults.WindowCount();
        Assert.Equal(116, windows);
        int compared = 0;
        foreach (var profile in NabProfile.All)
        {
            if (StoredResults.ScoreTable(detector, profile.Name) is not { } table)
            {
                continue;
            }

            double nullTotal = StoredResults.ScoreTable("null", profile.Name)!.Value.Total;
            Assert.Equal(-profile.FalseNegativeWeight * windows, nullTotal);
            double normalised = NabNormalization.Normalize(table.Total, nullTotal, NabNormalization.PerfectScore(windows, profile));
            output.WriteLine($"{detector} {profile.Name}: {normalised:F4}");
            Assert.Equal(StoredResults.FinalScore(detector, profile.Name), normalised, 1e-8);
            compared++;
        }

        Assert.True(compared > 0);
    }

    [Fact]
    public void WindowedGaussian_scores_3_47_on_speed_7578()
    {
        var file = StoredResults.DataFiles().Single(f => f.Name == "realTraffic/speed_7578.csv");
        var rows = StoredResults.RowResults("windowedGaussian", file.Name)!;
        var score = NabScorer.Score(StoredResults.Labelled(file), rows.Doubles("anomaly_score"), 1.0, NabProfile.Standard);
        Assert.Equal(3.47, score.Score, 0.005);
    }
}
