using System.Collections.Concurrent;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// Which device measures which patient. Held in memory for now: a restarted Gateway needs its devices
/// registered again.
/// </summary>
internal sealed class DeviceBindings
{
    private readonly ConcurrentDictionary<string, string> _patientByDevice = new(StringComparer.Ordinal);

    /// <returns>true when the device was bound to another patient before.</returns>
    public bool Register(string deviceId, string patientId)
    {
        var rebound = false;
        _patientByDevice.AddOrUpdate(
            deviceId,
            patientId,
            (_, previous) =>
            {
                rebound = !string.Equals(previous, patientId, StringComparison.Ordinal);
                return patientId;
            });
        return rebound;
    }

    public bool TryGetPatient(string deviceId, out string? patientId) => _patientByDevice.TryGetValue(deviceId, out patientId);
}
