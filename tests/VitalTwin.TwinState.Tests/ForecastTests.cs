using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.Tests;

public class ForecastTests
{
    private const int Minutes = 25;
    private readonly Devices _devices = new();

    public static TheoryData<string> Forecasters => ["ssa", "linear"];

    // 70 bpm rising 1.5 bpm a minute, with a little deterministic jitter.
    private static double RisingHeartRate(int second) => 70 + (1.5 * second / 60.0) + Math.Sin(second * 1.3);

    [Theory]
    [MemberData(nameof(Forecasters))]
    public void A_rising_heart_rate_projects_into_a_higher_news2_band(string forecaster)
    {
        var twin = new PatientTwin("patient-1", TwinSettings.Default with { Forecaster = ForecasterNamed(forecaster) });
        var projectedRiskChanges = 0;
        for (int second = 0; second < Minutes * 60; second++)
        {
            List<VitalObservation> readings = [_devices.Reading(VitalSign.HeartRate, RisingHeartRate(second), second)];
            if (second % 30 == 0)
            {
                readings.Add(_devices.Reading(VitalSign.RespiratoryRate, 22, second, device: "capnograph"));
                readings.Add(_devices.Reading(VitalSign.BodyTemperature, 38.5, second, device: "patch"));
            }

            // Any reading moves the clock, so any reading may release the one that closes a trend bucket.
            projectedRiskChanges += readings.Count(r => twin.Apply(r).ProjectedRiskChanged);
        }

        var snapshot = twin.Snapshot();
        var heartRate = snapshot.Vitals[VitalSign.HeartRate];
        // Now: RR 22 scores 2, temperature 38.5 scores 1, pulse ~107 scores 1: 4, low risk.
        Assert.Equal(4, snapshot.News2.Total);
        Assert.Equal(News2Risk.Low, snapshot.News2.Risk);
        Assert.InRange(heartRate.Trend!.Value.SlopePerHour, 85, 95);
        var forecast = heartRate.Forecast!.Value;
        Assert.InRange(forecast.Value, 122, 133);
        Assert.InRange(forecast.At - snapshot.UpdatedAt, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(16));
        // In 15 minutes: pulse ~128 scores 2 (or 3 past 130): medium risk.
        var projection = snapshot.Projection!;
        Assert.Equal(News2Risk.Medium, projection.Risk);
        Assert.InRange(projection.News2.SubScores.Single(s => s.Parameter == News2Parameter.Pulse).Score, 2, 3);
        Assert.Equal(2, projection.News2.SubScores.Single(s => s.Parameter == News2Parameter.RespirationRate).Score);
        Assert.Equal(forecast.At, projection.At);
        Assert.InRange(projectedRiskChanges, 1, 10);
    }

    [Fact]
    public void A_steady_heart_rate_projects_the_band_it_is_in()
    {
        var twin = new PatientTwin("patient-1");

        _devices.Stream(twin, VitalSign.HeartRate, 0, Minutes * 60, s => 75 + Math.Sin(s * 1.3));

        var heartRate = twin.Snapshot().Vitals[VitalSign.HeartRate];
        Assert.InRange(heartRate.Trend!.Value.SlopePerHour, -2, 2);
        Assert.InRange(heartRate.Forecast!.Value.Value, 73, 77);
        Assert.Equal(twin.Snapshot().News2.Risk, twin.Snapshot().Projection!.Risk);
        Assert.Equal(0, twin.Snapshot().Projection!.News2.Total);
    }

    [Fact]
    public void Until_enough_trend_points_there_is_no_trend_and_no_projection()
    {
        var twin = new PatientTwin("patient-1");

        _devices.Stream(twin, VitalSign.HeartRate, 0, 4 * 60, s => 75);

        var heartRate = twin.Snapshot().Vitals[VitalSign.HeartRate];
        Assert.Null(heartRate.Trend);
        Assert.Null(heartRate.Forecast);
        Assert.Null(twin.Snapshot().Projection);
    }

    [Fact]
    public void The_trend_window_is_a_few_dozen_bucket_means()
    {
        var twin = new PatientTwin("patient-1");

        _devices.Stream(twin, VitalSign.HeartRate, 0, 3 * 3600, RisingHeartRate, stepSeconds: 2);

        var window = twin.Snapshot().Vitals[VitalSign.HeartRate].TrendWindow;
        Assert.Equal(TwinSettings.Default.TrendPoints, window.Count);
        Assert.All(window.Zip(window.Skip(1)), pair => Assert.Equal(TwinSettings.Default.TrendBucket, pair.Second.At - pair.First.At));
        var last = window[^1];
        Assert.InRange(last.Mean, RisingHeartRate((int)(last.At - Readings.Start).TotalSeconds) - 1, RisingHeartRate((int)(last.At - Readings.Start).TotalSeconds) + 1);
    }

    [Fact]
    public void A_stale_vital_leaves_the_projection()
    {
        var twin = new PatientTwin("patient-1");
        _devices.Stream(twin, VitalSign.HeartRate, 0, Minutes * 60, RisingHeartRate);
        Assert.NotNull(twin.Snapshot().Projection);

        Assert.True(twin.RefreshStaleness(Readings.Start.AddMinutes(Minutes + 6)).Changed);

        Assert.Null(twin.Snapshot().Projection);
    }

    [Fact]
    public void The_linear_forecaster_extends_the_line_through_the_points_it_has()
    {
        float[] series = [10, float.NaN, 14, 16, float.NaN, 20];

        Assert.Equal(30, LinearTrendForecaster.Instance.Forecast(series, steps: 5)!.Value, precision: 9);
        Assert.Null(LinearTrendForecaster.Instance.Forecast([float.NaN, 3, float.NaN], steps: 1));
    }

    [Fact]
    public void The_ssa_forecaster_follows_a_trend_and_falls_back_to_a_line_on_short_series()
    {
        var forecaster = new SsaVitalForecaster();
        var ramp = Enumerable.Range(0, 30).Select(i => (float)(80 + i)).ToArray();
        ramp[10] = float.NaN;
        float[] shortSeries = [1, 2, float.NaN, 4, 5];

        Assert.InRange(forecaster.Forecast(ramp, steps: 15)!.Value, 120, 126);
        Assert.Equal(LinearTrendForecaster.Instance.Forecast(shortSeries, 3), forecaster.Forecast(shortSeries, 3));
    }

    private static IVitalForecaster ForecasterNamed(string name) =>
        name == "ssa" ? new SsaVitalForecaster() : LinearTrendForecaster.Instance;
}
