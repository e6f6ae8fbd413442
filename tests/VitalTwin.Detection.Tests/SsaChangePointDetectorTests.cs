using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class SsaChangePointDetectorTests(ITestOutputHelper output)
{
    [Fact]
    public void Matches_the_MLNET_ChangePointDetectionWithSeasonality_golden_test()
    {
        var golden = MlNetReference.Golden("SsaChangePoint");
        Assert.Equal("(0..9) repeated 5 times, then i*100 for i=0..9 (60 points)", golden.GetProperty("input_expr").GetString());
        var parameters = golden.GetProperty("params");
        Assert.Equal("SignedDifference", parameters.GetProperty("errorFunction").GetString());
        Assert.Equal("Power", parameters.GetProperty("martingale").GetString());
        float[] input = [.. Enumerable.Range(0, 50).Select(i => (float)(i % 10)), .. Enumerable.Range(0, 10).Select(i => i * 100f)];
        var detector = SsaChangePointDetector.ForMlNetParity(
            input,
            parameters.GetProperty("confidence").GetDouble(),
            parameters.GetProperty("changeHistoryLength").GetInt32(),
            parameters.GetProperty("trainingWindowSize").GetInt32(),
            parameters.GetProperty("seasonalityWindowSize").GetInt32(),
            ErrorFunction.SignedDifference,
            MartingaleType.Power,
            parameters.GetProperty("eps").GetDouble());
        double[][] expected = golden.GetProperty("expected_first_4_rows_netcore").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .ToArray();

        Assert.Equal(5, detector.Rank);
        double raw = 0;
        double pValue = 0;
        var martingale = new MaxDeviation();
        for (int i = 0; i < expected.Length; i++)
        {
            var result = detector.Update(input[i]);
            Assert.Equal(expected[i][0] == 1, result.Alert);
            raw = Math.Max(raw, Math.Abs(result.RawScore - expected[i][1]));
            pValue = Math.Max(pValue, Math.Abs(result.PValue - expected[i][2]));
            martingale.Add(i, result.Martingale, expected[i][3]);
        }

        output.WriteLine($"rows 0-3: max |Δraw| {raw:E3}, max |Δp| {pValue:E3}, martingale relative {martingale}");

        // ML.NET runs the model in float32; in double the golden values are met to about 1e-6 (golden file's note).
        Assert.True(raw <= 2e-6, $"raw score off by {raw:E3}");
        Assert.True(pValue <= 1e-6, $"p-value off by {pValue:E3}");
        Assert.True(martingale.Relative <= 1e-5, $"martingale: {martingale}");
    }

    [Fact]
    public void Flags_a_change_of_season_once()
    {
        // The period drops from 12 to 7 at 450: the trained subspace no longer holds the signal, so errors stay large.
        var random = new Random(5);
        float[] series = [.. Enumerable.Range(0, 700).Select(i => (float)(50 + (5 * Math.Sin(2 * Math.PI * i / (i < 450 ? 12 : 7))) + (0.05 * random.NextDouble())))];
        var detector = new SsaChangePointDetector(95, 20, 300, 24);

        var alerts = series.Select(detector.Update).Index().Where(r => r.Item.Alert).Select(r => r.Index).ToArray();

        output.WriteLine($"rank {detector.Rank}, alerts at [{string.Join(",", alerts)}]");
        Assert.Single(alerts);
        Assert.InRange(alerts[0], 450, 470);
    }

    [Fact]
    public void Outputs_nothing_while_the_training_window_fills()
    {
        var detector = new SsaChangePointDetector(95, 10, 30, 10);

        for (int i = 0; i < 30; i++)
        {
            var result = detector.Update(i % 10);
            Assert.Equal(new ChangePointResult(false, double.NaN, double.NaN, double.NaN), result);
            Assert.Equal(i == 29, detector.IsTrained);
        }

        var first = detector.Update(0);
        Assert.Equal(0.5, first.PValue);
        Assert.False(double.IsNaN(first.Martingale));
    }

    [Fact]
    public void Exposes_its_configuration()
    {
        var detector = new SsaChangePointDetector(95, 20, 500, 50, ErrorFunction.AbsoluteProportion, MartingaleType.Mixture, 0.2);

        Assert.Equal(DetectorKind.SsaChangePoint, detector.Kind);
        Assert.Equal(95, detector.Confidence);
        Assert.Equal(20, detector.WindowSize);
        Assert.Equal(500, detector.TrainingWindowSize);
        Assert.Equal(50, detector.SeasonalityWindowSize);
        Assert.Equal(ErrorFunction.AbsoluteProportion, detector.ErrorFunction);
        Assert.Equal(MartingaleType.Mixture, detector.Martingale);
        Assert.Equal(0.2, detector.Epsilon);
        Assert.Equal(105_826.9, detector.AlertThreshold, 0.1);
        Assert.Equal(2621.44, new SsaChangePointDetector(95, 20, 500, 50).AlertThreshold, 1e-9);
    }

    [Theory]
    [InlineData(101.0, 10, 100, 10, MartingaleType.Power, 0.1, "confidence")]
    [InlineData(95.0, 0, 100, 10, MartingaleType.Power, 0.1, "changeHistoryLength")]
    [InlineData(95.0, 10, 100, 10, MartingaleType.None, 0.1, "martingale")]
    [InlineData(95.0, 10, 100, 10, (MartingaleType)7, 0.1, "martingale")]
    [InlineData(95.0, 10, 100, 10, MartingaleType.Power, 0.0, "epsilon")]
    [InlineData(95.0, 10, 100, 10, MartingaleType.Power, 1.0, "epsilon")]
    [InlineData(95.0, 10, 100, 1, MartingaleType.Power, 0.1, "seasonalityWindowSize")]
    [InlineData(95.0, 10, 8, 4, MartingaleType.Power, 0.1, "trainingWindowSize")]
    public void Validates_its_arguments(
        double confidence, int history, int training, int seasonality, MartingaleType martingale, double epsilon, string rejected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new SsaChangePointDetector(confidence, history, training, seasonality, ErrorFunction.SignedDifference, martingale, epsilon));

        Assert.Equal(rejected, error.ParamName);
    }

    [Fact]
    public void Rejects_an_undefined_error_function_and_a_short_parity_series()
    {
        Assert.Equal("errorFunction", Assert.Throws<ArgumentOutOfRangeException>(
            () => new SsaChangePointDetector(95, 10, 100, 10, (ErrorFunction)5)).ParamName);
        Assert.Equal("series", Assert.Throws<ArgumentException>(
            () => SsaChangePointDetector.ForMlNetParity(new float[99], 95, 10, 100, 10)).ParamName);
    }
}
