using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class BatchSrDetectorTests(ITestOutputHelper output)
{
    public static TheoryData<SrCnnDetectMode, int> ModesAndBatchSizes()
    {
        var data = new TheoryData<SrCnnDetectMode, int>();
        foreach (var mode in Enum.GetValues<SrCnnDetectMode>())
        {
            foreach (int batchSize in new[] { -1, 24, 26, 512 })
            {
                data.Add(mode, batchSize);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModesAndBatchSizes))]
    public void Matches_the_MLNET_TestSrCnnBatchAnomalyDetector_golden_test(SrCnnDetectMode mode, int batchSize)
    {
        double[] values = SrCnnTestData.Timeseries("anomaly_detection.csv");

        var results = SrCnnBatchDetector.Detect(values, threshold: 0.35, batchSize: batchSize, sensitivity: 98.0, mode);

        Assert.Equal([20], Anomalies(results));
        var anomaly = results[20];
        switch (mode)
        {
            case SrCnnDetectMode.AnomalyOnly:
                Assert.All(results, r => Assert.True(double.IsNaN(r.ExpectedValue) && double.IsNaN(r.BoundaryUnit)));
                break;
            case SrCnnDetectMode.AnomalyAndExpectedValue:
                Assert.Equal(5.00, anomaly.ExpectedValue, 0.01);
                Assert.All(results, r => Assert.True(double.IsNaN(r.BoundaryUnit) && double.IsNaN(r.UpperBoundary) && double.IsNaN(r.LowerBoundary)));
                break;
            case SrCnnDetectMode.AnomalyAndMargin:
                Assert.Equal(5.00, anomaly.ExpectedValue, 0.01);
                Assert.Equal(5.00, anomaly.BoundaryUnit, 0.01);
                Assert.Equal(5.01, anomaly.UpperBoundary, 0.01);
                Assert.Equal(4.99, anomaly.LowerBoundary, 0.01);
                Assert.True(anomaly.LowerBoundary > values[20] || values[20] > anomaly.UpperBoundary);
                break;
        }
        output.WriteLine($"{mode}, batch {batchSize}: [20] = {anomaly}");
    }

    [Theory]
    [InlineData(SrCnnDetectMode.AnomalyOnly)]
    [InlineData(SrCnnDetectMode.AnomalyAndExpectedValue)]
    public void Matches_the_MLNET_BigSpike_golden_test(SrCnnDetectMode mode)
    {
        double[] values = SrCnnTestData.Timeseries("big_spike_data.csv");
        Assert.Equal(135, values.Length);

        var results = SrCnnBatchDetector.Detect(values, Options(0.3, 80, mode));

        Assert.Equal([26], Anomalies(results));
    }

    [Theory]
    [InlineData(SrCnnDeseasonalityMode.Stl)]
    [InlineData(SrCnnDeseasonalityMode.Mean)]
    [InlineData(SrCnnDeseasonalityMode.Median)]
    public void Matches_the_MLNET_AnomalyAtBeginning_golden_test(SrCnnDeseasonalityMode deseasonality)
    {
        double[] values = SrCnnTestData.Timeseries("anomaly_at_beginning.csv");
        Assert.Equal(38, values.Length);

        var results = SrCnnBatchDetector.Detect(values, Options(0.3, 80, SrCnnDetectMode.AnomalyAndMargin) with { DeseasonalityMode = deseasonality });

        Assert.Equal([1], Anomalies(results));
        AssertAnomaliesAreExactlyThePointsOutsideTheBounds(values, results);
    }

    [Theory]
    [InlineData(SrCnnDeseasonalityMode.Stl)]
    [InlineData(SrCnnDeseasonalityMode.Mean)]
    [InlineData(SrCnnDeseasonalityMode.Median)]
    public void Matches_the_MLNET_seasonal_data_golden_test(SrCnnDeseasonalityMode deseasonality)
    {
        double[] values = SrCnnTestData.Nab("art_daily_small_noise");
        Assert.Equal(4032, values.Length);

        var results = SrCnnBatchDetector.Detect(values, Seasonal(0.3, 64, deseasonality));

        Assert.Empty(Anomalies(results));
        AssertAnomaliesAreExactlyThePointsOutsideTheBounds(values, results);
    }

    [Theory]
    [InlineData(SrCnnDeseasonalityMode.Stl)]
    [InlineData(SrCnnDeseasonalityMode.Mean)]
    [InlineData(SrCnnDeseasonalityMode.Median)]
    public void Matches_the_MLNET_seasonal_anomaly_golden_test(SrCnnDeseasonalityMode deseasonality)
    {
        double[] values = SrCnnTestData.Nab("art_daily_jumpsdown");
        Assert.Equal(4032, values.Length);

        var results = SrCnnBatchDetector.Detect(values, Seasonal(0.23, 63, deseasonality));

        Assert.Equal(Enumerable.Range(2988, 3095 - 2988 + 1), Anomalies(results));
        AssertAnomaliesAreExactlyThePointsOutsideTheBounds(values, results);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Matches_the_MLNET_non_negative_golden_test(bool positive)
    {
        double[] values = [.. SrCnnTestData.Timeseries("non_negative_case.csv").Select(v => positive ? v : -v)];

        var results = SrCnnBatchDetector.Detect(values, Options(0.1, 99, SrCnnDetectMode.AnomalyAndMargin));

        Assert.All(results, r => Assert.True(positive ? r.ExpectedValue >= 0 : r.ExpectedValue <= 0, $"{r.ExpectedValue}"));
    }

    [Fact]
    public void Scores_each_batch_on_its_own_and_a_short_last_batch_with_the_end_of_the_previous()
    {
        var random = new Random(9);
        double[] values = [.. Enumerable.Range(0, 60).Select(i => Math.Sin(i / 3.0) + random.NextDouble() + (i == 40 ? 8 : 0))];
        var options = new SrCnnBatchOptions { BatchSize = 25, DetectMode = SrCnnDetectMode.AnomalyAndMargin, Sensitivity = 90 };

        var results = SrCnnBatchDetector.Detect(values, options);

        var whole = options with { BatchSize = -1 };
        Assert.Equal(SrCnnBatchDetector.Detect(values.AsSpan(0, 25), whole), results[..25]);
        Assert.Equal(SrCnnBatchDetector.Detect(values.AsSpan(25, 25), whole), results[25..50]);
        Assert.Equal(SrCnnBatchDetector.Detect(values.AsSpan(35, 25), whole)[15..], results[50..]);
    }

    [Fact]
    public void A_last_batch_of_twelve_or_more_is_scored_on_its_own()
    {
        var random = new Random(4);
        double[] values = [.. Enumerable.Range(0, 37).Select(_ => random.NextDouble())];

        var results = SrCnnBatchDetector.Detect(values, new SrCnnBatchOptions { BatchSize = 25 });

        Assert.Equal(SrCnnBatchDetector.Detect(values.AsSpan(25), new SrCnnBatchOptions { BatchSize = -1 }), results[25..]);
    }

    [Fact]
    public void Stl_falls_back_to_the_median_when_a_phase_has_fewer_than_three_points()
    {
        var random = new Random(2);
        double[] values = [.. Enumerable.Range(0, 50).Select(i => Math.Sin(i * Math.PI / 10) + random.NextDouble())];
        var options = new SrCnnBatchOptions { BatchSize = -1, Period = 20, DetectMode = SrCnnDetectMode.AnomalyAndMargin };

        var stl = SrCnnBatchDetector.Detect(values, options);
        var median = SrCnnBatchDetector.Detect(values, options with { DeseasonalityMode = SrCnnDeseasonalityMode.Median });

        Assert.Equal(median, stl);
    }

    [Fact]
    public void Uses_MLNET_defaults()
    {
        var options = new SrCnnBatchOptions();

        Assert.Equal((0.3, 2000, 70.0, SrCnnDetectMode.AnomalyOnly, 0, SrCnnDeseasonalityMode.Stl),
            (options.Threshold, options.BatchSize, options.Sensitivity, options.DetectMode, options.Period, options.DeseasonalityMode));

        // The short overload has DetectEntireAnomalyBySrCnn's defaults: threshold 0.3, batch 1024, sensitivity 99.
        var random = new Random(8);
        double[] values = [.. Enumerable.Range(0, 1500).Select(_ => random.NextDouble())];
        Assert.Equal(
            SrCnnBatchDetector.Detect(values, new SrCnnBatchOptions { BatchSize = 1024, Sensitivity = 99 }),
            SrCnnBatchDetector.Detect(values));
    }

    [Fact]
    public void The_sensitivity_table_is_MLNETs()
    {
        var factors = SrCnnBatchModeler.SensitivityFactors;

        // DETECTORS.md's examples factor[99] = 0.008 and factor[70] = 0.6 belong to 95 and 65: the golden margin
        // test (sensitivity 98, unit 5, bounds 5 ± 0.01) needs factor[98] = 0.002225, as in ML.NET's table.
        Assert.Equal(101, factors.Length);
        Assert.Equal(532.0, factors[0]);
        Assert.Equal(0.6000000000000001, factors[65]);
        Assert.Equal(0.008, factors[95]);
        Assert.Equal(0.0022249999999999995, factors[98]);
        Assert.Equal(0.0, factors[100]);
        for (int i = 1; i < factors.Length; i++)
        {
            Assert.True(factors[i] < factors[i - 1], $"factor {i}");
        }

        Assert.Equal(2 * factors[70], SrCnnBatchModeler.CalculateMargin(2, 70));
        Assert.Equal((factors[70] + factors[71]) / 2, SrCnnBatchModeler.CalculateMargin(1, 70.5), 15);

        // A point exactly on the margin at sensitivity k scores (100 − k) / 100.
        Assert.Equal(0.3, SrCnnBatchModeler.AnomalyScore(10, 10 + (2 * factors[70]), 2, isAnomaly: true), 15);
        Assert.Equal(0.0, SrCnnBatchModeler.AnomalyScore(10, 100, 2, isAnomaly: false));
    }

    public static TheoryData<SrCnnBatchOptions> InvalidOptions => new()
    {
        new SrCnnBatchOptions { Period = -1 },
        new SrCnnBatchOptions { BatchSize = 11 },
        new SrCnnBatchOptions { BatchSize = 0 },
        new SrCnnBatchOptions { BatchSize = -2 },
        new SrCnnBatchOptions { BatchSize = 100, Period = 26 },
        new SrCnnBatchOptions { Threshold = -0.1 },
        new SrCnnBatchOptions { Threshold = 1.1 },
        new SrCnnBatchOptions { Threshold = double.NaN },
        new SrCnnBatchOptions { Sensitivity = -1 },
        new SrCnnBatchOptions { Sensitivity = 100.5 },
        new SrCnnBatchOptions { DetectMode = (SrCnnDetectMode)3 },
        new SrCnnBatchOptions { DeseasonalityMode = (SrCnnDeseasonalityMode)3 },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Rejects_options_MLNET_rejects(SrCnnBatchOptions options)
    {
        double[] values = new double[100];

        Assert.Throws<ArgumentOutOfRangeException>(() => SrCnnBatchDetector.Detect(values, options));
    }

    [Fact]
    public void Accepts_boundary_options()
    {
        double[] values = [.. Enumerable.Range(0, 100).Select(i => (double)(i % 7))];

        SrCnnBatchDetector.Detect(values, new SrCnnBatchOptions { BatchSize = 100, Period = 25, Threshold = 0, Sensitivity = 100 });
        SrCnnBatchDetector.Detect(values, new SrCnnBatchOptions { BatchSize = 12, Threshold = 1, Sensitivity = 0, DetectMode = SrCnnDetectMode.AnomalyAndMargin });
    }

    [Fact]
    public void Rejects_series_it_cannot_score()
    {
        Assert.Throws<ArgumentException>(() => SrCnnBatchDetector.Detect(new double[11]));
        Assert.Throws<ArgumentNullException>(() => SrCnnBatchDetector.Detect(new double[20], null!));
        double[] withNan = new double[20];
        withNan[3] = double.NaN;
        Assert.Throws<ArgumentException>(() => SrCnnBatchDetector.Detect(withNan));
        withNan[3] = double.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => SrCnnBatchDetector.Detect(withNan));
    }

    private static SrCnnBatchOptions Options(double threshold, double sensitivity, SrCnnDetectMode mode) =>
        new() { Threshold = threshold, BatchSize = -1, Sensitivity = sensitivity, DetectMode = mode };

    private static SrCnnBatchOptions Seasonal(double threshold, double sensitivity, SrCnnDeseasonalityMode deseasonality) =>
        Options(threshold, sensitivity, SrCnnDetectMode.AnomalyAndMargin) with { Period = 288, DeseasonalityMode = deseasonality };

    private static int[] Anomalies(SrCnnBatchPoint[] results) =>
        [.. results.Select((r, i) => (r, i)).Where(x => x.r.IsAnomaly).Select(x => x.i)];

    // ML.NET's margin tests: anomalies lie outside [Lower, Upper], every other point inside.
    private static void AssertAnomaliesAreExactlyThePointsOutsideTheBounds(double[] values, SrCnnBatchPoint[] results)
    {
        for (int i = 0; i < values.Length; i++)
        {
            bool outside = results[i].LowerBoundary > values[i] || values[i] > results[i].UpperBoundary;
            Assert.True(results[i].IsAnomaly == outside, $"point {i}: {values[i]} vs {results[i]}");
        }
    }
}
