using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Replay;

/// <summary>A recorded patient is measured by a device of its own, bound to it from the start of the replay.</summary>
public static class ReplayDevices
{
    /// <summary>The device that replays a patient's recorded readings.</summary>
    public static string Of(string patientId) => $"replay-{patientId}";

    public static IReadOnlyList<DeviceBinding> Bindings(IEnumerable<RecordedReading> recording, DateTimeOffset from) =>
        [.. recording.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Select(p => new DeviceBinding(Of(p), p, from, null))];
}
