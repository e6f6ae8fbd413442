using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

/// <summary>The forecast's 80 % prediction interval, from how far the vital's own earlier forecasts missed.</summary>
public class ForecastIntervalTests
{
    private readonly Devices _devices = new();

    [Fact]
    public void There_is_no_interval_until_ten_forecasts_were_checked_against_the_minute_they_aimed_at()
    {
        var twin = new PatientTwin("patient-1");
        var heartRate = new WanderingSignal(seed: 1, step: 0.5, noise: 2);

        // The first forecast comes with five trend points and aims 15 minutes past the clock: none is checked within 20 minutes.
        _devices.Stream(twin, VitalSign.HeartRate, 0, 20 * 60, heartRate.At);
        var early = twin.Snapshot().Vitals[VitalSign.HeartRate].Forecast!.Value;
        _devices.Stream(twin, VitalSign.HeartRate, 20 * 60, 40 * 60, heartRate.At);
        var later = twin.Snapshot().Vitals[VitalSign.HeartRate].Forecast!.Value;

        Assert.Equal((null, null), (early.Lower, early.Upper));
        Assert.NotNull(later.Lower);
        Assert.NotNull(later.Upper);
        Assert.True(later.Lower < later.Upper, $"{later.Lower} < {later.Upper}");
    }

    [Fact]
    public void About_eight_in_ten_of_the_minutes_a_forecast_aimed_at_fall_within_its_interval()
    {
        const int Hours = 12;
        var judged = new List<(double Lower, double Upper, double Actual)>();
        foreach (var seed in new[] { 1, 2, 7 })
        {
            var twin = new PatientTwin($"patient-{seed}");
            var heartRate = new WanderingSignal(seed, step: 0.8, noise: 3);
            var shown = new Dictionary<DateTimeOffset, VitalForecast>();
            for (int second = 0; second < Hours * 3600; second++)
            {
                twin.Apply(_devices.Reading(VitalSign.HeartRate, heartRate.At(second), second, device: $"monitor-{seed}"));
                if (second % 60 == 59 && twin.Snapshot().Vitals[VitalSign.HeartRate].Forecast is { Lower: not null } forecast)
                {
                    // The last forecast shown for a minute is the one held to account for it.
                    shown[forecast.At] = forecast;
                }
            }

            judged.AddRange(shown.Values
                .Where(f => f.At < Readings.Start.AddHours(Hours))
                .Select(f => (f.Lower!.Value, f.Upper!.Value, heartRate.MinuteMean((int)((f.At - Readings.Start).TotalSeconds / 60)))));
        }

        var covered = judged.Count(f => f.Lower <= f.Actual && f.Actual <= f.Upper) / (double)judged.Count;

        Assert.True(judged.Count > 3 * 600, $"{judged.Count} forecasts judged");
        // Consecutive forecasts share most of their horizon, so their misses come in runs: a loose band around 0.8.
        Assert.InRange(covered, 0.7, 0.9);
    }

    [Fact]
    public void A_vital_that_wanders_more_gets_a_wider_interval()
    {
        var steady = new PatientTwin("patient-steady");
        var wandering = new PatientTwin("patient-wandering");
        var steadyHeartRate = new WanderingSignal(seed: 3, step: 0.2, noise: 2);
        var wanderingHeartRate = new WanderingSignal(seed: 3, step: 2, noise: 2);

        _devices.Stream(steady, VitalSign.HeartRate, 0, 90 * 60, steadyHeartRate.At, device: "monitor-steady");
        _devices.Stream(wandering, VitalSign.HeartRate, 0, 90 * 60, wanderingHeartRate.At, device: "monitor-wandering");

        var steadyWidth = Width(steady.Snapshot().Vitals[VitalSign.HeartRate].Forecast!.Value);
        var wanderingWidth = Width(wandering.Snapshot().Vitals[VitalSign.HeartRate].Forecast!.Value);
        Assert.True(wanderingWidth > 3 * steadyWidth, $"wandering {wanderingWidth} against steady {steadyWidth}");

        static double Width(VitalForecast forecast) => forecast.Upper!.Value - forecast.Lower!.Value;
    }

    /// <summary>A level that wanders minute by minute (a random walk), read every second with Gaussian noise; seeded.</summary>
    private sealed class WanderingSignal
    {
        private readonly double[] _values;

        public WanderingSignal(int seed, double step, double noise, int hours = 13)
        {
            var random = new Random(seed);
            _values = new double[hours * 3600];
            double level = 80;
            for (int second = 0; second < _values.Length; second++)
            {
                if (second % 60 == 0)
                {
                    // Pulled gently back towards 80, so a long run stays in a plausible range.
                    level += (step * Gaussian(random)) + ((80 - level) * 0.01);
                }

                _values[second] = level + (noise * Gaussian(random));
            }
        }

        public double At(int second) => _values[second];

        public double MinuteMean(int minute) => _values.AsSpan(minute * 60, 60).ToArray().Average();

        private static double Gaussian(Random random) =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
