using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Benchmarks;

/// <summary>
/// One simulated ward patient: 35 minutes of a bedside monitor at 1 Hz (heart rate, SpO₂, respiratory rate), an
/// automated cuff every 5 minutes and a thermometer every 15, each with noise, a slow drift and the odd motion
/// artifact; the clinician-recorded context (oxygen, consciousness, ward, bed); and for one patient in ten an open
/// spike anomaly. The same seed and index always give the same history.
/// </summary>
internal static class SimulatedPatient
{
    public const int HistorySeconds = 35 * 60;
    public const int ReadingsPerPatient = (3 * HistorySeconds) + (HistorySeconds / CuffEverySeconds) + (HistorySeconds / ThermometerEverySeconds);

    private const int CuffEverySeconds = 5 * 60;
    private const int ThermometerEverySeconds = 15 * 60;
    private const int AnomalyAtSecond = 30 * 60;
    private const double MotionArtifactRate = 0.004;

    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static string IdOf(int index) => string.Create(CultureInfo.InvariantCulture, $"patient-{index:D6}");

    public static void Feed(PatientTwin twin, int index, int seed)
    {
        var random = new Random(unchecked(seed + (index * 7919)));
        var monitor = DeviceId("MON", index);
        var cuff = DeviceId("NIBP", index);
        var thermometer = DeviceId("TEMP", index);

        twin.SetContext(new PatientContext(
            OnSupplementalOxygen: random.NextDouble() < 0.15,
            SpO2Scale: SpO2Scale.Scale1,
            Consciousness: random.NextDouble() < 0.03 ? Consciousness.NewConfusion : Consciousness.Alert,
            Ward: string.Create(CultureInfo.InvariantCulture, $"ward-{index % 40:D2}"),
            Bed: string.Create(CultureInfo.InvariantCulture, $"bed-{index % 32:D2}")));

        var heartRate = new Signal(Uniform(random, 58, 100), Uniform(random, -12, 12), 2.0);
        var saturation = new Signal(Uniform(random, 94, 99), Uniform(random, -2, 1), 0.7);
        var respiration = new Signal(Uniform(random, 12, 20), Uniform(random, -3, 3), 1.0);
        var systolic = new Signal(Uniform(random, 105, 150), Uniform(random, -15, 15), 5.0);
        var temperature = new Signal(Uniform(random, 36.3, 37.6), Uniform(random, -0.4, 0.6), 0.1);
        int cuffOffset = random.Next(CuffEverySeconds);
        int thermometerOffset = random.Next(ThermometerEverySeconds);
        ulong monitorSequence = 0, cuffSequence = 0, thermometerSequence = 0;

        for (int second = 0; second < HistorySeconds; second++)
        {
            var at = Start.AddSeconds(second);
            var motion = random.NextDouble() < MotionArtifactRate;
            var quality = motion ? ReadingQuality.MotionArtifact : ReadingQuality.None;

            var pulse = Math.Round(heartRate.At(second, random) + (motion ? 40 * Gaussian(random) : 0));
            Apply(twin, VitalSign.HeartRate, Math.Clamp(pulse, 20, 250), "/min", at, monitor, ++monitorSequence, quality);
            var spo2 = Math.Round(saturation.At(second, random) - (motion ? 10 * Math.Abs(Gaussian(random)) : 0));
            Apply(twin, VitalSign.OxygenSaturation, Math.Clamp(spo2, 50, 100), "%", at, monitor, ++monitorSequence, quality);
            Apply(twin, VitalSign.RespiratoryRate, Math.Clamp(Math.Round(respiration.At(second, random)), 4, 60), "/min", at, monitor, ++monitorSequence, ReadingQuality.None);

            if (second % CuffEverySeconds == cuffOffset)
            {
                Apply(twin, VitalSign.SystolicBloodPressure, Math.Round(systolic.At(second, random)), "mm[Hg]", at, cuff, ++cuffSequence, ReadingQuality.None);
            }

            if (second % ThermometerEverySeconds == thermometerOffset)
            {
                Apply(twin, VitalSign.BodyTemperature, Math.Round(temperature.At(second, random), 1), "Cel", at, thermometer, ++thermometerSequence, ReadingQuality.None);
            }

            if (second == AnomalyAtSecond && index % 10 == 0)
            {
                twin.RecordAnomaly(new TwinAnomaly(
                    string.Create(CultureInfo.InvariantCulture, $"anomaly-{index:D6}-{second}"),
                    AnomalyKind.Spike,
                    VitalSign.HeartRate,
                    at,
                    pulse,
                    monitor,
                    "iid-spike",
                    "Heart rate above the personal baseline's band."));
            }
        }
    }

    // Fresh strings per reading, as a reading deserialized from Kafka would carry, so the twin keeps its own copies.
    private static void Apply(PatientTwin twin, VitalSign sign, double value, string unit, DateTimeOffset at, string device, ulong sequence, ReadingQuality quality) =>
        twin.Apply(new VitalObservation(sign, value, new string(unit.AsSpan()), at, new string(device.AsSpan()), sequence, quality));

    private static string DeviceId(string kind, int index) => string.Create(CultureInfo.InvariantCulture, $"{kind}-{index:D6}");

    private static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private readonly record struct Signal(double Level, double DriftPerHour, double Noise)
    {
        public double At(int second, Random random) => Level + (DriftPerHour * second / 3600) + (Noise * Gaussian(random));
    }
}
