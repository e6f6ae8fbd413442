using VitalTwin.Clinical;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.Benchmarks;

/// <summary>
/// A patient's recorded history for the what-if replay: five vitals at 1 Hz with noise and slow drift, and every six hours
/// a ten-minute episode of fast heart rate (around 135 /min, where NEWS2 scores 3: a single-parameter alert).
/// The same seed always gives the same history.
/// </summary>
internal static class RecordedPatient
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan EpisodeEvery = TimeSpan.FromHours(6);
    private static readonly TimeSpan EpisodeLasts = TimeSpan.FromMinutes(10);

    public static IEnumerable<(VitalSign Sign, DateTimeOffset At, double Value)> Readings(TimeSpan length, int seed)
    {
        var random = new Random(seed);
        double heartRate = 78, saturation = 97, respiration = 16, systolic = 124, temperature = 36.9;
        for (var second = 0; second < (int)length.TotalSeconds; second++)
        {
            var at = Start.AddSeconds(second);
            var inEpisode = (at - Start).Ticks % EpisodeEvery.Ticks is var into && into >= EpisodeEvery.Ticks - EpisodeLasts.Ticks;
            heartRate = Revert(heartRate, inEpisode ? 135 : 78, 2.0, random);
            saturation = Revert(saturation, 97, 0.5, random);
            respiration = Revert(respiration, 16, 0.6, random);
            systolic = Revert(systolic, 124, 2.5, random);
            temperature = Revert(temperature, 36.9, 0.02, random);
            yield return (VitalSign.HeartRate, at, Math.Round(heartRate));
            yield return (VitalSign.OxygenSaturation, at, Math.Clamp(Math.Round(saturation), 70, 100));
            yield return (VitalSign.RespiratoryRate, at, Math.Round(respiration));
            yield return (VitalSign.SystolicBloodPressure, at, Math.Round(systolic));
            yield return (VitalSign.BodyTemperature, at, Math.Round(temperature, 1));
        }
    }

    public static RecordedReadings Recorded(TimeSpan length, int seed)
    {
        var builder = new RecordedReadings.Builder();
        foreach (var (sign, at, value) in Readings(length, seed))
        {
            builder.Add(sign, at, value);
        }
        return builder.Build();
    }

    // A mean-reverting walk: the level drifts back towards its target, with noise of the vital's own size.
    private static double Revert(double level, double target, double noise, Random random) =>
        level + (0.02 * (target - level)) + (noise * 0.2 * Gaussian(random));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
