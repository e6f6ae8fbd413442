using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DeviceTransports;

/// <summary>The Gateway's front doors a device can send through.</summary>
public enum DeviceTransportKind
{
    Grpc,
    Mqtt,
    Fhir,
    Hl7,
}

/// <summary>A device as it signs in: its id and the credential its latest registration issued.</summary>
public sealed record DeviceLogin(string DeviceId, string Credential);

/// <summary>
/// One front door of the Gateway, seen from the devices that send through it. Every door acknowledges only what
/// Kafka has, so a send that returns was stored; the acknowledgement is told in the gRPC contract's terms
/// (<see cref="IngestAck"/>), whatever the door's own (an MQTT 5 reason code, FHIR OperationOutcomes, HL7 ACK and ERR).
/// Thread-safe: devices send concurrently.
/// </summary>
public interface IDeviceTransport : IAsyncDisposable
{
    DeviceTransportKind Kind { get; }

    /// <summary>
    /// The system this transport sends as, which devices must be registered with as their <c>ingest_system</c> (an HL7
    /// v2 sender speaks for the devices behind it); null when each device sends as itself, with its own credential.
    /// </summary>
    string? IngestSystem { get; }

    /// <summary>
    /// Sends readings of <paramref name="device"/>, in order, and returns the Gateway's acknowledgement once every
    /// one is stored or refused. Readings a door names by what they are (no sequence number on its wire) are the
    /// door's to number; the acknowledgement's indexes count <paramref name="readings"/> from zero.
    /// </summary>
    /// <exception cref="GatewayUnavailableException">Nothing is known to be stored: send the readings again.</exception>
    Task<IngestAck> SendAsync(DeviceLogin device, IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken);
}

/// <summary>The Gateway did not acknowledge a send (unreachable, busy, or Kafka did not take it): the device keeps the readings and sends them again.</summary>
public sealed class GatewayUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The Gateway refused the device itself (wrong or revoked credential): sending again cannot help.</summary>
public sealed class DeviceRefusedException(string message, Exception? inner = null) : Exception(message, inner);
