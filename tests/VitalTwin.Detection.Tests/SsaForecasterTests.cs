using Xunit.Abstractions;

namespace VitalTwin.Detection.Tests;

public sealed class SsaForecasterTests(ITestOutputHelper output)
{
    // ML.NET runs the model in float32; in double its golden forecasts are met to about 1e-6.
    private const double GoldenTolerance = 5e-6;

    [Fact]
    public void Matches_the_MLNET_SsaForecast_golden_test()
    {
        var golden = MlNetReference.Golden("SsaForecast");
        Assert.Equal("(0..9) x5 then i*100, i=0..9", golden.GetProperty("input_expr").GetString());
        var parameters = golden.GetProperty("params");
        var expected = golden.GetProperty("expected_first_row_netcore");
        float[] input = [.. Enumerable.Range(0, 50).Select(i => (float)(i % 10)), .. Enumerable.Range(0, 10).Select(i => i * 100f)];
        int horizon = parameters.GetProperty("horizon").GetInt32();

        // ML.NET takes the level as a float: (double)0.95f, not 0.95.
        var forecaster = new SsaForecaster(
            parameters.GetProperty("windowSize").GetInt32(),
            parameters.GetProperty("seriesLength").GetInt32(),
            parameters.GetProperty("trainSize").GetInt32(),
            horizon,
            confidenceLevel: parameters.GetProperty("confidenceLevel").GetSingle());
        forecaster.Train(input);
        forecaster.Update(input[0]);
        float[] forecast = new float[horizon];
        float[] lower = new float[horizon];
        float[] upper = new float[horizon];
        forecaster.Forecast(forecast, lower, upper);

        double worst = 0;
        foreach (var (name, actual) in new[] { ("forecast", forecast), ("lower", lower), ("upper", upper) })
        {
            double[] wanted = expected.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int i = 0; i < horizon; i++)
            {
                worst = Math.Max(worst, Math.Abs(actual[i] - wanted[i]));
            }
        }

        output.WriteLine($"rank {forecaster.Rank}, stabilised {forecaster.IsStabilized}; forecast [{string.Join(", ", forecast)}]; max |Δ| {worst:E3}");
        Assert.True(forecaster.IsStabilized);
        Assert.True(worst <= GoldenTolerance, $"max deviation {worst:E3}");
    }

    [Fact]
    public void Point_forecasts_do_not_depend_on_asking_for_bounds()
    {
        var forecaster = Trained(horizon: 6);
        float[] plain = new float[6];
        float[] withBounds = new float[6];
        float[] lower = new float[6];
        float[] upper = new float[6];

        forecaster.Forecast(plain);
        forecaster.Forecast(withBounds, lower, upper);

        Assert.Equal(plain, withBounds);
        for (int i = 0; i < 6; i++)
        {
            Assert.True(lower[i] < plain[i] && plain[i] < upper[i]);
            Assert.Equal(plain[i] - lower[i], upper[i] - plain[i], 1e-4);
        }

        Assert.True(upper[5] - lower[5] >= upper[0] - lower[0], "intervals widen with the horizon");
    }

    [Fact]
    public void Forecasts_a_seasonal_signal_ahead()
    {
        float[] series = SsaSpikeDetectorTests.SeasonalSeries(400, spikeAt: -1);
        var forecaster = new SsaForecaster(24, 25, 300, 12);
        forecaster.Train(series);
        for (int i = 300; i < 388; i++)
        {
            forecaster.Update(series[i]);
        }

        float[] forecast = new float[12];
        forecaster.Forecast(forecast);

        double worst = forecast.Select((f, h) => Math.Abs(f - series[388 + h])).Max();
        output.WriteLine($"rank {forecaster.Rank}, worst 12-step error {worst:E3}");
        Assert.True(worst < 0.2, $"forecast missed by {worst}");
    }

    [Fact]
    public void Shorter_forecasts_are_prefixes_and_non_finite_updates_are_ignored()
    {
        var forecaster = Trained(horizon: 5);
        float[] full = new float[5];
        float[] prefix = new float[2];
        forecaster.Forecast(full);
        forecaster.Forecast(prefix);
        Assert.Equal(full[..2], prefix);

        forecaster.Update(float.NaN);
        forecaster.Update(float.PositiveInfinity);
        float[] again = new float[5];
        forecaster.Forecast(again);
        Assert.Equal(full, again);
    }

    [Fact]
    public void A_fixed_rank_and_unstabilised_model_are_supported()
    {
        float[] series = SsaSpikeDetectorTests.SeasonalSeries(300, spikeAt: -1);
        var fixedRank = new SsaForecaster(24, 25, 200, 4, rank: 3, shouldStabilize: false);
        var growth = new SsaForecaster(24, 25, 200, 4, maxRank: 5, maxGrowth: new GrowthRatio(10, 1.1));
        fixedRank.Train(series);
        growth.Train(series);

        Assert.Equal(3, fixedRank.Rank);
        Assert.False(fixedRank.IsStabilized);
        Assert.InRange(growth.Rank, 1, 5);
        float[] a = new float[4];
        float[] b = new float[4];
        float[] lower = new float[4];
        float[] upper = new float[4];
        fixedRank.Forecast(a, lower, upper);
        growth.Forecast(b);
        Assert.All(a.Concat(b).Concat(lower).Concat(upper), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_two_point_window_clamps_its_coefficient()
    {
        // L = 2 has a single coefficient; stabilising clamps it to [−1, 1], so the forecast cannot grow.
        float[] growing = [.. Enumerable.Range(0, 40).Select(i => (float)Math.Pow(1.2, i))];
        var forecaster = new SsaForecaster(2, 3, 40, 3);
        forecaster.Train(growing);

        float[] forecast = new float[3];
        forecaster.Forecast(forecast);

        Assert.True(forecaster.IsStabilized);
        Assert.True(Math.Abs(forecast[2]) <= Math.Abs(forecast[0]) * 1.0001);
    }

    [Fact]
    public void Must_be_trained_on_enough_values_before_use()
    {
        var forecaster = new SsaForecaster(10, 11, 22, 4);
        float[] destination = new float[4];

        Assert.False(forecaster.IsTrained);
        Assert.Throws<InvalidOperationException>(() => forecaster.Update(1));
        Assert.Throws<InvalidOperationException>(() => forecaster.Forecast(destination));
        Assert.Equal("series", Assert.Throws<ArgumentException>(() => forecaster.Train([.. new float[19], float.NaN, 1])).ParamName);

        forecaster.Train(new float[21]);
        Assert.True(forecaster.IsTrained);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => forecaster.Forecast(new float[5])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => forecaster.Forecast([])).ParamName);
        Assert.Equal("lowerBound", Assert.Throws<ArgumentException>(() => forecaster.Forecast(new float[4], new float[3], new float[4])).ParamName);
    }

    [Theory]
    [InlineData(1, 11, 22, 4, null, null, 0.95, "windowSize")]
    [InlineData(10, 10, 22, 4, null, null, 0.95, "seriesLength")]
    [InlineData(10, 11, 20, 4, null, null, 0.95, "trainSize")]
    [InlineData(10, 11, 22, 0, null, null, 0.95, "horizon")]
    [InlineData(10, 11, 22, 4, 0, null, 0.95, "rank")]
    [InlineData(10, 11, 22, 4, 10, null, 0.95, "rank")]
    [InlineData(10, 11, 22, 4, null, 10, 0.95, "maxRank")]
    [InlineData(10, 11, 22, 4, null, 0, 0.95, "maxRank")]
    [InlineData(10, 11, 22, 4, null, null, 1.0, "confidenceLevel")]
    [InlineData(10, 11, 22, 4, null, null, -0.1, "confidenceLevel")]
    public void Validates_its_arguments(
        int windowSize, int seriesLength, int trainSize, int horizon, int? rank, int? maxRank, double confidence, string rejected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new SsaForecaster(windowSize, seriesLength, trainSize, horizon, rank, maxRank, confidenceLevel: confidence));

        Assert.Equal(rejected, error.ParamName);
    }

    [Fact]
    public void Rejects_an_impossible_growth_limit()
    {
        Assert.Equal("maxGrowth", Assert.Throws<ArgumentOutOfRangeException>(
            () => new SsaForecaster(10, 11, 22, 4, maxGrowth: new GrowthRatio(0, 2))).ParamName);
        Assert.Equal("maxGrowth", Assert.Throws<ArgumentOutOfRangeException>(
            () => new SsaForecaster(10, 11, 22, 4, maxGrowth: new GrowthRatio(3, -1))).ParamName);
        Assert.Equal(2, new GrowthRatio(3, 8).Ratio, 1e-12);
    }

    private static SsaForecaster Trained(int horizon)
    {
        var forecaster = new SsaForecaster(24, 25, 300, horizon);
        forecaster.Train(SsaSpikeDetectorTests.SeasonalSeries(300, spikeAt: -1));
        return forecaster;
    }
}
