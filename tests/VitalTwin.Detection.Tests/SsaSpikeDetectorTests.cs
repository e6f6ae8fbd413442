using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class SsaSpikeDetectorTests(ITestOutputHelper output)
{
    [Fact]
    public void Matches_the_MLNET_SsaSpikeDetection_golden_test()
    {
        var golden = MlNetReference.Golden("SsaSpike");
        var parameters = golden.GetProperty("params");
        float[] input = golden.GetProperty("input").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        double[][] expected = golden.GetProperty("expected").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .ToArray();
        var detector = SsaSpikeDetector.ForMlNetParity(
            input,
            parameters.GetProperty("confidence").GetDouble(),
            parameters.GetProperty("pvalueHistoryLength").GetInt32(),
            parameters.GetProperty("trainingWindowSize").GetInt32(),
            parameters.GetProperty("seasonalityWindowSize").GetInt32());

        Assert.Equal(expected.Length, input.Length);
        double maxRawError = 0;
        double maxPValueError = 0;
        for (int i = 0; i < input.Length; i++)
        {
            var result = detector.Update(input[i]);
            Assert.True(expected[i][0] == 1 == result.Alert, $"alert differs at row {i}");
            maxRawError = Math.Max(maxRawError, Math.Abs(result.RawScore - expected[i][1]));
            maxPValueError = Math.Max(maxPValueError, Math.Abs(result.PValue - expected[i][2]));
        }

        output.WriteLine($"max |raw - golden| = {maxRawError:E3}, max |p - golden| = {maxPValueError:E3}");

        // The golden file gives 6 decimals.
        Assert.True(maxRawError <= 5e-7, $"raw score off by {maxRawError:E3}");
        Assert.True(maxPValueError <= 5e-7, $"p-value off by {maxPValueError:E3}");
    }

    [Fact]
    public void Matches_the_MLNET_SavePipeSsaSpikeNoData_baseline()
    {
        // ML.NET test/BaselineOutput/Common/SavePipe/SavePipeSsaSpikeNoData-Data.txt: 50 zeros, twnd=50 swnd=5
        // cnf=99.5 wnd=10. Every eigenvector of the zero covariance is a standard one, so training falls back to
        // the averaging model, which predicts exactly 0.
        float[] zeros = new float[50];
        var detector = SsaSpikeDetector.ForMlNetParity(zeros, 99.5, 10, 50, 5);

        var results = zeros.Select(detector.Update).ToArray();

        Assert.Equal(1, detector.Rank);
        Assert.All(results, r => Assert.False(r.Alert));
        Assert.All(results, r => Assert.Equal(0, r.RawScore));
        Assert.Equal(0.5, results[0].PValue);
        Assert.All(results.Skip(1), r => Assert.Equal(0.49999999950000001, r.PValue, 1e-15));
    }

    [Fact]
    public void Buffers_the_training_window_then_scores_as_a_detector_fitted_on_it()
    {
        float[] series = SeasonalSeries(700, spikeAt: 640);
        var streaming = new SsaSpikeDetector(99, 50, 300, 24);
        var fitted = SsaSpikeDetector.ForMlNetParity(series, 99, 50, 300, 24);

        for (int i = 0; i < 300; i++)
        {
            Assert.False(streaming.IsTrained);
            var buffered = streaming.Update(series[i]);
            Assert.False(buffered.Alert);
            Assert.True(double.IsNaN(buffered.RawScore));
            Assert.True(double.IsNaN(buffered.PValue));
            Assert.True(double.IsNaN(streaming.ExpectedValue));
        }

        Assert.True(streaming.IsTrained);
        Assert.Equal(fitted.Rank, streaming.Rank);
        for (int i = 300; i < series.Length; i++)
        {
            Assert.Equal(fitted.Update(series[i]), streaming.Update(series[i]));
            Assert.Equal(fitted.ExpectedValue, streaming.ExpectedValue);
        }
    }

    [Fact]
    public void Predicts_a_seasonal_signal_and_flags_an_injected_spike()
    {
        float[] series = SeasonalSeries(700, spikeAt: 640);
        var detector = new SsaSpikeDetector(99, 50, 300, 24);

        var results = series.Select(detector.Update).ToArray();

        double worstMiss = results.Skip(300).Take(300).Max(r => Math.Abs(r.RawScore));
        output.WriteLine($"rank {detector.Rank}, largest |error| on the clean stretch {worstMiss:E3}, spike error {results[640].RawScore:F3}");
        Assert.True(worstMiss < 0.5, $"the model missed a clean value by {worstMiss}");
        Assert.True(results[640].Alert);
        Assert.True(results[640].RawScore > 5);
        Assert.Equal([640], results.Index().Where(r => r.Item.Alert).Select(r => r.Index));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_values_are_reported_and_leave_the_state_alone(float missing)
    {
        float[] series = SeasonalSeries(500, spikeAt: 450);
        var clean = new SsaSpikeDetector(95, 30, 200, 20);
        var gappy = new SsaSpikeDetector(95, 30, 200, 20);

        for (int i = 0; i < series.Length; i++)
        {
            if (i is 50 or 350)
            {
                var skipped = gappy.Update(missing);
                Assert.False(skipped.Alert);
                Assert.True(double.IsNaN(skipped.PValue));
                double expectedRaw = i < 200 ? double.NaN : missing;
                Assert.True(expectedRaw.Equals(skipped.RawScore), $"raw score {skipped.RawScore} at row {i}");
            }

            Assert.Equal(clean.Update(series[i]), gappy.Update(series[i]));
        }
    }

    [Fact]
    public void Expected_value_is_the_prediction_the_raw_score_was_measured_against()
    {
        float[] series = SeasonalSeries(400, spikeAt: 380);
        var signed = new SsaSpikeDetector(99, 30, 200, 20);
        var squared = new SsaSpikeDetector(99, 30, 200, 20, errorFunction: ErrorFunction.SquaredDifference);

        for (int i = 0; i < series.Length; i++)
        {
            var a = signed.Update(series[i]);
            var b = squared.Update(series[i]);
            if (i >= 200)
            {
                Assert.Equal(series[i] - signed.ExpectedValue, a.RawScore);
                Assert.Equal(signed.ExpectedValue, squared.ExpectedValue);
                Assert.Equal(a.RawScore * a.RawScore, b.RawScore);
            }
        }
    }

    [Fact]
    public void Exposes_its_configuration()
    {
        var detector = new SsaSpikeDetector(99.5, 200, 500, 50, AnomalySide.Negative, ErrorFunction.AbsoluteDifference);

        Assert.Equal(DetectorKind.SsaSpike, detector.Kind);
        Assert.Equal(99.5, detector.Confidence);
        Assert.Equal(200, detector.WindowSize);
        Assert.Equal(500, detector.TrainingWindowSize);
        Assert.Equal(50, detector.SeasonalityWindowSize);
        Assert.Equal(AnomalySide.Negative, detector.Side);
        Assert.Equal(ErrorFunction.AbsoluteDifference, detector.ErrorFunction);
        Assert.Equal(1 - (99.5 / 100), detector.AlertThreshold);
        Assert.False(detector.IsTrained);
        Assert.Equal(0, detector.Rank);
    }

    [Theory]
    [InlineData(0.0, 10, 100, 10, "confidence")]
    [InlineData(100.0, 10, 100, 10, "confidence")]
    [InlineData(double.NaN, 10, 100, 10, "confidence")]
    [InlineData(99.0, 0, 100, 10, "pvalueHistoryLength")]
    [InlineData(99.0, 10, 100, 1, "seasonalityWindowSize")]
    [InlineData(99.0, 10, 20, 10, "trainingWindowSize")]
    [InlineData(99.0, 10, 21, 10, null)]
    [InlineData(99.0, 10, int.MaxValue, int.MaxValue / 2 + 1, "trainingWindowSize")]
    public void Validates_its_arguments(double confidence, int history, int training, int seasonality, string? rejected)
    {
        var create = () => new SsaSpikeDetector(confidence, history, training, seasonality);

        if (rejected is null)
        {
            Assert.NotNull(create());
        }
        else
        {
            Assert.Equal(rejected, Assert.Throws<ArgumentOutOfRangeException>(create).ParamName);
        }
    }

    [Fact]
    public void Rejects_undefined_enums_and_a_short_parity_series()
    {
        Assert.Equal("side", Assert.Throws<ArgumentOutOfRangeException>(() => new SsaSpikeDetector(99, 10, 100, 10, (AnomalySide)9)).ParamName);
        Assert.Equal("errorFunction", Assert.Throws<ArgumentOutOfRangeException>(
            () => new SsaSpikeDetector(99, 10, 100, 10, errorFunction: (ErrorFunction)9)).ParamName);

        float[] series = [.. SeasonalSeries(120, spikeAt: 0).Take(99), float.NaN, 3];
        Assert.Equal("series", Assert.Throws<ArgumentException>(() => SsaSpikeDetector.ForMlNetParity(series, 99, 10, 101, 10)).ParamName);
        Assert.True(SsaSpikeDetector.ForMlNetParity(series, 99, 10, 100, 10).IsTrained);
    }

    [Theory]
    [InlineData(ErrorFunction.SignedDifference, 3, 2, 1)]
    [InlineData(ErrorFunction.SignedDifference, 2, 3, -1)]
    [InlineData(ErrorFunction.AbsoluteDifference, 2, 3, 1)]
    [InlineData(ErrorFunction.SignedProportion, 3, 2, 0.5)]
    [InlineData(ErrorFunction.SignedProportion, 3, 0, 0)]
    [InlineData(ErrorFunction.AbsoluteProportion, 1, 2, 0.5)]
    [InlineData(ErrorFunction.AbsoluteProportion, 1, 0, 0)]
    [InlineData(ErrorFunction.SquaredDifference, 1, 4, 9)]
    public void Error_functions_follow_MLNET(ErrorFunction function, double actual, double predicted, double expected)
    {
        Assert.Equal(expected, ErrorFunctions.Apply(function, actual, predicted));
    }

    // A noisy sine with period 12 around 50, and one spike of +10.
    internal static float[] SeasonalSeries(int length, int spikeAt)
    {
        var random = new Random(11);
        return Enumerable.Range(0, length)
            .Select(i => (float)(50 + (5 * Math.Sin(2 * Math.PI * i / 12)) + (0.05 * random.NextDouble()) + (i == spikeAt ? 10 : 0)))
            .ToArray();
    }
}
