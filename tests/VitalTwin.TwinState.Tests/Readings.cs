using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

internal static class Readings
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static VitalObservation Of(VitalSign sign, double value, ulong sequence, string device = "monitor-1", int atSecond = 0) =>
        new(sign, value, UnitOf(sign), Start.AddSeconds(atSecond), device, sequence);

    public static VitalObservation HeartRate(double value, ulong sequence, string device = "monitor-1", int atSecond = 0) =>
        Of(VitalSign.HeartRate, value, sequence, device, atSecond);

    private static string UnitOf(VitalSign sign) => VitalCatalogue.Default[sign].CanonicalUnit;
}
