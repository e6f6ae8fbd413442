using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class IidSpikeDetectorTests(ITestOutputHelper output)
{
    // ML.NET prints these outputs with round-trip precision and the algorithm is replicated operation for operation.
    private const double ReferenceTolerance = 1e-12;

    [Fact]
    public void Matches_the_MLNET_SpikeDetection_golden_test()
    {
        var golden = MlNetReference.Golden("IidSpike_SimpleApi");
        var parameters = golden.GetProperty("params");
        var detector = new IidSpikeDetector(
            parameters.GetProperty("confidence").GetDouble(),
            parameters.GetProperty("pvalueHistoryLength").GetInt32(),
            Enum.Parse<AnomalySide>(parameters.GetProperty("side").GetString()!));
        float[] input = golden.GetProperty("input").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        double[][] expected = golden.GetProperty("expected").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .ToArray();

        Assert.Equal(expected.Length, input.Length);
        double maxPValueError = 0;
        for (int i = 0; i < input.Length; i++)
        {
            var result = detector.Update(input[i]);
            Assert.Equal(expected[i][0] == 1, result.Alert);
            Assert.Equal(expected[i][1], result.RawScore);

            // The golden values carry 6 decimals; ML.NET asserts 7, and its p = 0 is the clamped 1e-8.
            Assert.Equal(expected[i][2], result.PValue, 7);
            maxPValueError = Math.Max(maxPValueError, Math.Abs(result.PValue - expected[i][2]));
        }

        output.WriteLine($"max |p - golden| = {maxPValueError:E3}");
    }

    [Theory]
    [InlineData("art_daily_jumpsup")]
    [InlineData("machine_temperature_system_failure")]
    [InlineData("speed_7578")]
    public void Matches_MLNET_on_NAB_series(string series)
    {
        float[] values = MlNetReference.NabValues(series);
        var expected = MlNetReference.Outputs("iidspike", series);
        Assert.Equal(values.Length, expected.Length);

        var detector = new IidSpikeDetector(99, 100);
        var raw = new MaxDeviation();
        var pValue = new MaxDeviation();
        int alerts = 0;
        for (int i = 0; i < values.Length; i++)
        {
            var result = detector.Update(values[i]);
            Assert.True(expected[i].Alert == result.Alert, $"alert differs at row {i}");
            Assert.True(double.IsNaN(expected[i].Martingale), $"spike reference has a martingale at row {i}");
            raw.Add(i, result.RawScore, expected[i].RawScore);
            pValue.Add(i, result.PValue, expected[i].PValue);
            alerts += result.Alert ? 1 : 0;
        }

        output.WriteLine($"{series}: {values.Length} rows, {alerts} alerts; max relative error raw {raw}, p {pValue}");
        Assert.True(alerts > 0, "the reference series should exercise alerts");
        Assert.True(raw.Relative <= ReferenceTolerance, $"raw score: {raw}");
        Assert.True(pValue.Relative <= ReferenceTolerance, $"p-value: {pValue}");
    }

    [Fact]
    public void Cannot_alert_before_the_window_is_full()
    {
        float[] values = [1, 1, 1, 1, 1000];

        var early = Run(new IidSpikeDetector(99, 6), values)[^1];
        var full = Run(new IidSpikeDetector(99, 5), values)[^1];

        Assert.Equal(1e-8, early.PValue);
        Assert.False(early.Alert);
        Assert.Equal(1e-8, full.PValue);
        Assert.True(full.Alert);
    }

    [Fact]
    public void Side_selects_the_tail()
    {
        float[] values = [5, 5, 5, 5, 10];

        var up = Run(new IidSpikeDetector(90, 4, AnomalySide.Positive), values)[^1];
        var down = Run(new IidSpikeDetector(90, 4, AnomalySide.Negative), values)[^1];

        Assert.True(up.Alert);
        Assert.Equal(1e-8, up.PValue);
        Assert.False(down.Alert);
        Assert.Equal(1 - 1e-8, down.PValue);
    }

    [Fact]
    public void Baseline_mean_is_the_window_the_latest_value_was_scored_against()
    {
        var detector = new IidSpikeDetector(99, 2);

        detector.Update(1);
        Assert.True(double.IsNaN(detector.BaselineMean));
        detector.Update(2);
        Assert.Equal(1, detector.BaselineMean);
        detector.Update(3);
        Assert.Equal(1.5, detector.BaselineMean);
        detector.Update(10);
        Assert.Equal(2.5, detector.BaselineMean);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_values_are_reported_and_leave_the_state_alone(float missing)
    {
        float[] values = [3, 4, 3, 5, 4, 30, 4, 3];
        var clean = new IidSpikeDetector(95, 4);
        var gappy = new IidSpikeDetector(95, 4);

        for (int i = 0; i < values.Length; i++)
        {
            if (i == 5)
            {
                var skipped = gappy.Update(missing);
                Assert.False(skipped.Alert);
                Assert.Equal((double)missing, skipped.RawScore);
                Assert.True(double.IsNaN(skipped.PValue));
                Assert.True(double.IsNaN(gappy.BaselineMean));
            }

            Assert.Equal(clean.Update(values[i]), gappy.Update(values[i]));
            Assert.Equal(clean.BaselineMean, gappy.BaselineMean);
        }
    }

    [Fact]
    public void Exposes_its_configuration()
    {
        var detector = new IidSpikeDetector(99.5, 200, AnomalySide.Negative);

        Assert.Equal(99.5, detector.Confidence);
        Assert.Equal(200, detector.WindowSize);
        Assert.Equal(AnomalySide.Negative, detector.Side);
        Assert.Equal(1 - (99.5 / 100), detector.AlertThreshold);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(100.0)]
    [InlineData(-1.0)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Rejects_confidence_outside_0_to_100(double confidence)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidSpikeDetector(confidence, 10));
        Assert.Equal("confidence", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Rejects_an_empty_history(int length)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidSpikeDetector(99, length));
        Assert.Equal("pvalueHistoryLength", error.ParamName);
    }

    [Fact]
    public void Rejects_an_undefined_side()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidSpikeDetector(99, 10, (AnomalySide)7));
        Assert.Equal("side", error.ParamName);
    }

    private static SpikeResult[] Run(IidSpikeDetector detector, float[] values)
    {
        var results = new SpikeResult[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            results[i] = detector.Update(values[i]);
        }

        return results;
    }
}
