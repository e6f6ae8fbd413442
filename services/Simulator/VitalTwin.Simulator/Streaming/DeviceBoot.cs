namespace VitalTwin.Simulator.Streaming;

/// <summary>
/// The boot id simulated devices send: new at each start, as a real device's is at each boot, so a simulator started
/// again, numbering its readings from 1, is not taken for a resend of the previous run nor given its alert ids.
/// </summary>
internal static class DeviceBoot
{
    /// <summary>Random, never 0 (which means "no boot id").</summary>
    public static ulong NewId() => (ulong)Random.Shared.NextInt64(1, long.MaxValue);
}
