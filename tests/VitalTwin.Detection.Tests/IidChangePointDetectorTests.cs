using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class IidChangePointDetectorTests(ITestOutputHelper output)
{
    // ML.NET prints these outputs with round-trip precision and the algorithm is replicated operation for operation.
    private const double ReferenceTolerance = 1e-12;

    [Fact]
    public void Matches_the_MLNET_ChangeDetection_golden_test()
    {
        var golden = MlNetReference.Golden("IidChangePoint_SimpleApi");
        Assert.Equal("5,5,5,5,5 then (float)(5 + i*1.1) for i=0..4", golden.GetProperty("input_expr").GetString());
        var parameters = golden.GetProperty("params");
        Assert.Equal("Power", parameters.GetProperty("martingale").GetString());
        var detector = new IidChangePointDetector(
            parameters.GetProperty("confidence").GetDouble(),
            parameters.GetProperty("changeHistoryLength").GetInt32(),
            MartingaleType.Power,
            parameters.GetProperty("eps").GetDouble());
        float[] input = [5, 5, 5, 5, 5, .. Enumerable.Range(0, 5).Select(i => (float)(5 + (i * 1.1)))];
        double[][] expected = golden.GetProperty("expected_first_4_rows").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .ToArray();

        var results = Run(detector, input);

        var pValue = new MaxDeviation();
        var martingale = new MaxDeviation();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i][0] == 1, results[i].Alert);
            Assert.Equal(expected[i][1], results[i].RawScore);
            pValue.Add(i, results[i].PValue, expected[i][2]);
            martingale.Add(i, results[i].Martingale, expected[i][3]);
        }

        output.WriteLine($"rows 0-3: max relative error p {pValue}, martingale {martingale}");
        Assert.True(pValue.Relative <= ReferenceTolerance, $"p-value: {pValue}");
        Assert.True(martingale.Relative <= ReferenceTolerance, $"martingale: {martingale}");

        // Rows 6-9 are given in the golden file's note, to 5 significant digits, from an independent re-implementation.
        double[] notePValues = [1e-8, 3.0478e-4, 9.6824e-3, 2.2549e-2];
        double[] noteMartingales = [0.43485, 340.27, 11844.5, 192656];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(notePValues[i], results[6 + i].PValue, notePValues[i] * 5e-5);
            Assert.Equal(noteMartingales[i], results[6 + i].Martingale, noteMartingales[i] * 5e-5);
        }

        Assert.Equal(1.953125e-4, detector.AlertThreshold, 1e-15);
        Assert.Equal([9], results.Index().Where(r => r.Item.Alert).Select(r => r.Index));
    }

    [Theory]
    [InlineData("art_daily_jumpsup")]
    [InlineData("machine_temperature_system_failure")]
    [InlineData("speed_7578")]
    public void Matches_MLNET_on_NAB_series(string series)
    {
        float[] values = MlNetReference.NabValues(series);
        var expected = MlNetReference.Outputs("iidcp", series);
        Assert.Equal(values.Length, expected.Length);

        var detector = new IidChangePointDetector(95, 20);
        var raw = new MaxDeviation();
        var pValue = new MaxDeviation();
        var martingale = new MaxDeviation();
        int alerts = 0;
        for (int i = 0; i < values.Length; i++)
        {
            var result = detector.Update(values[i]);
            Assert.True(expected[i].Alert == result.Alert, $"alert differs at row {i}");
            raw.Add(i, result.RawScore, expected[i].RawScore);
            pValue.Add(i, result.PValue, expected[i].PValue);
            martingale.Add(i, result.Martingale, expected[i].Martingale);
            alerts += result.Alert ? 1 : 0;
        }

        output.WriteLine($"{series}: {values.Length} rows, {alerts} alerts; max relative error raw {raw}, p {pValue}, martingale {martingale}");
        Assert.True(raw.Relative <= ReferenceTolerance, $"raw score: {raw}");
        Assert.True(pValue.Relative <= ReferenceTolerance, $"p-value: {pValue}");
        Assert.True(martingale.Relative <= ReferenceTolerance, $"martingale: {martingale}");
    }

    [Theory]
    [InlineData(MartingaleType.Power, 2621.44)]
    [InlineData(MartingaleType.Mixture, 105826.9)]
    public void Default_thresholds_are_those_of_the_specification(MartingaleType martingale, double threshold)
    {
        var detector = new IidChangePointDetector(95, 20, martingale);

        Assert.Equal(threshold, detector.AlertThreshold, threshold * 1e-6);
    }

    [Fact]
    public void After_an_alert_the_next_window_of_crossings_is_suppressed()
    {
        const int window = 10;
        var detector = new IidChangePointDetector(95, window);
        float[] values = [.. Enumerable.Repeat(0f, 30), .. Enumerable.Repeat(100f, 30), .. Enumerable.Repeat(0f, 30)];

        var results = Run(detector, values);

        int[] alerts = [.. results.Index().Where(r => r.Item.Alert).Select(r => r.Index)];
        int[] crossings = [.. results.Index().Where(r => r.Item.Martingale >= detector.AlertThreshold).Select(r => r.Index)];
        output.WriteLine($"alerts at {string.Join(' ', alerts)}; martingale above threshold at {string.Join(' ', crossings)}");
        Assert.Equal(2, alerts.Length);
        Assert.InRange(alerts[0], 30, 39);
        Assert.InRange(alerts[1], 60, 69);
        Assert.All(crossings, c => Assert.True(
            (c >= alerts[0] && c < alerts[0] + window) || (c >= alerts[1] && c < alerts[1] + window),
            $"crossing at {c} outside the refractory windows"));
        Assert.True(crossings.Length > alerts.Length, "some crossings should have been suppressed");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_values_are_reported_and_leave_the_state_alone(float missing)
    {
        float[] values = [3, 4, 3, 5, 4, 30, 31, 29, 30, 32, 30];
        var clean = new IidChangePointDetector(90, 4);
        var gappy = new IidChangePointDetector(90, 4);

        for (int i = 0; i < values.Length; i++)
        {
            if (i == 6)
            {
                var skipped = gappy.Update(missing);
                Assert.False(skipped.Alert);
                Assert.Equal((double)missing, skipped.RawScore);
                Assert.True(double.IsNaN(skipped.PValue));
                Assert.True(double.IsNaN(skipped.Martingale));
            }

            Assert.Equal(clean.Update(values[i]), gappy.Update(values[i]));
        }
    }

    [Fact]
    public void Exposes_its_configuration()
    {
        var detector = new IidChangePointDetector(83, 100, MartingaleType.Mixture, 0.2);

        Assert.Equal(83, detector.Confidence);
        Assert.Equal(100, detector.WindowSize);
        Assert.Equal(MartingaleType.Mixture, detector.Martingale);
        Assert.Equal(0.2, detector.Epsilon);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(100.0)]
    [InlineData(-5.0)]
    [InlineData(double.NaN)]
    public void Rejects_confidence_outside_0_to_100(double confidence)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidChangePointDetector(confidence, 10));
        Assert.Equal("confidence", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Rejects_an_empty_history(int length)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidChangePointDetector(95, length));
        Assert.Equal("changeHistoryLength", error.ParamName);
    }

    [Theory]
    [InlineData(MartingaleType.None)]
    [InlineData((MartingaleType)9)]
    public void Rejects_a_missing_or_undefined_martingale(MartingaleType martingale)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidChangePointDetector(95, 10, martingale));
        Assert.Equal("martingale", error.ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Rejects_epsilon_outside_0_to_1(double epsilon)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IidChangePointDetector(95, 10, MartingaleType.Power, epsilon));
        Assert.Equal("epsilon", error.ParamName);
    }

    private static ChangePointResult[] Run(IidChangePointDetector detector, float[] values)
    {
        var results = new ChangePointResult[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            results[i] = detector.Update(values[i]);
        }

        return results;
    }
}
