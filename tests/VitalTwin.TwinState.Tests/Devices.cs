using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

/// <summary>Hands out readings with each device's next sequence number, as real devices number them.</summary>
internal sealed class Devices
{
    private readonly Dictionary<string, ulong> _sequences = new(StringComparer.Ordinal);

    public VitalObservation Reading(VitalSign sign, double value, int atSecond, string device = "monitor-1", ReadingQuality quality = ReadingQuality.None)
    {
        var sequence = _sequences[device] = _sequences.GetValueOrDefault(device) + 1;
        return Readings.Of(sign, value, sequence, device, atSecond, quality);
    }

    /// <summary>Applies one reading per <paramref name="stepSeconds"/> over [from, to) and returns the last change.</summary>
    public TwinChange Stream(
        PatientTwin twin, VitalSign sign, int fromSecond, int toSecond, Func<int, double> value, string device = "monitor-1", int stepSeconds = 1)
    {
        TwinChange last = default;
        for (int second = fromSecond; second < toSecond; second += stepSeconds)
        {
            last = twin.Apply(Reading(sign, value(second), second, device));
        }

        return last;
    }
}
