using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core;

/// <summary>One accepted reading, in the catalogue's canonical unit.</summary>
public sealed record VitalObservation(VitalSign Sign, double Value, string Unit, DateTimeOffset ObservedAt, string DeviceId, ulong SequenceNumber);
