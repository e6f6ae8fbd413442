using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

internal static class Readings
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static VitalObservation Of(
        VitalSign sign, double value, ulong sequence, string device = "monitor-1", int atSecond = 0, ReadingQuality quality = ReadingQuality.None) =>
        new(sign, value, UnitOf(sign), Start.AddSeconds(atSecond), device, sequence, quality);

    public static VitalObservation HeartRate(
        double value, ulong sequence, string device = "monitor-1", int atSecond = 0, ReadingQuality quality = ReadingQuality.None) =>
        Of(VitalSign.HeartRate, value, sequence, device, atSecond, quality);

    public static TwinAnomaly Anomaly(string id, VitalSign sign, double value, int atSecond, string device = "monitor-1") =>
        new(id, AnomalyKind.Spike, sign, Start.AddSeconds(atSecond), value, device, "IidSpike", $"{sign} {value} far above the recent level");

    private static string UnitOf(VitalSign sign) => VitalCatalogue.Default[sign].CanonicalUnit;
}
