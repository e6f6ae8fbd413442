using System.Diagnostics;
using VitalTwin.Nab.Corpus;
using VitalTwin.Nab.Scoring;

namespace VitalTwin.Nab.Benchmark;

/// <summary>One data file's anomaly scores from a fresh detector.</summary>
public sealed record DetectedFile(LabelledSeries Series, double[] AnomalyScores);

/// <summary>A profile's corpus threshold, per-file scores, raw total and normalised score.</summary>
public sealed record ProfileResult(NabProfile Profile, double Threshold, IReadOnlyList<FileScore> Files, double Total, double NullTotal, double PerfectTotal)
{
    public double Normalized => NabNormalization.Normalize(Total, NullTotal, PerfectTotal);
}

/// <summary>
/// Runs a detector over every data file of a NAB directory, optimises one threshold per profile over the whole
/// corpus as NAB does, and scores each file at it. Null and perfect totals are those of the files present, so a
/// subset of NAB normalises against its own windows.
/// </summary>
public static class NabBenchmark
{
    /// <summary>Runs a fresh detector on every <c>data/**/*.csv</c>, in parallel, reporting each file as it finishes.</summary>
    /// <param name="createScorer">Builds a detector for one file, given NAB's probationary length of that file.</param>
    public static IReadOnlyList<DetectedFile> Detect(string nabDirectory, Func<int, IAnomalyScorer> createScorer, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(createScorer);
        ArgumentNullException.ThrowIfNull(progress);
        string data = Path.Combine(nabDirectory, "data");
        var labels = NabLabels.Read(Path.Combine(nabDirectory, "labels", "combined_windows.json"));
        var paths = NabDataFile.FindAll(data);
        if (paths.Count == 0)
        {
            throw new FileNotFoundException($"No CSV files under {data}.");
        }

        var results = new DetectedFile[paths.Count];
        int done = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, paths.Count, i =>
        {
            var file = NabDataFile.Read(data, paths[i]);
            var series = LabelledSeries.FromTimestamps(file.Name, file.Timestamps, labels.WindowsOf(file.Name));
            var scorer = createScorer(series.ProbationaryLength);
            var scores = new double[file.Values.Length];
            for (int row = 0; row < scores.Length; row++)
            {
                scores[row] = scorer.Score(file.Values[row]);
            }

            results[i] = new DetectedFile(series, scores);
            int finished = Interlocked.Increment(ref done);
            lock (progress)
            {
                progress.WriteLine($"[{finished}/{paths.Count}] {file.Name}: {scores.Length} rows, {series.Windows.Count} windows ({clock.Elapsed.TotalSeconds:F1} s)");
            }
        });

        return results;
    }

    /// <summary>Optimises the profile's threshold over all files, then scores each file at it.</summary>
    public static ProfileResult Score(IReadOnlyList<DetectedFile> files, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(files);
        var corpus = files.Select(f => (f.Series, (IReadOnlyList<double>)f.AnomalyScores)).ToList();
        var best = ThresholdOptimizer.Optimize(corpus, profile);
        var scores = files.Select(f => NabScorer.Score(f.Series, f.AnomalyScores, best.Threshold, profile)).ToList();
        double nullTotal = files.Sum(f => NabScorer.MissedEverything(f.Series, profile));
        int windows = files.Sum(f => f.Series.Windows.Count(w => w.End >= f.Series.ProbationaryLength));
        return new ProfileResult(profile, best.Threshold, scores, scores.Sum(s => s.Score), nullTotal, NabNormalization.PerfectScore(windows, profile));
    }
}
