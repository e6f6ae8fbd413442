using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core;

/// <summary>
/// One accepted reading, in the catalogue's canonical unit, with the device's quality annotations. The device numbers
/// its readings within a boot (<paramref name="BootId"/>, 0 for a device that sends none).
/// </summary>
public sealed record VitalObservation(
    VitalSign Sign,
    double Value,
    string Unit,
    DateTimeOffset ObservedAt,
    string DeviceId,
    ulong SequenceNumber,
    ReadingQuality Quality = ReadingQuality.None,
    ulong BootId = 0);
