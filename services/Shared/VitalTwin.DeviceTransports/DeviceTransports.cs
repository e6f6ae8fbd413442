using Grpc.Net.Client;

namespace VitalTwin.DeviceTransports;

/// <summary>Where a transport reaches the Gateway: its gRPC/HTTP address, and the MQTT and HL7 v2 listeners' when they are used.</summary>
public sealed record GatewayAddresses(Uri Http, Uri? Mqtt = null, Uri? Hl7 = null);

/// <summary>Opens the transport of a kind, for the simulator and the load benchmark.</summary>
public static class DeviceTransports
{
    public static IDeviceTransport Open(DeviceTransportKind kind, GatewayAddresses gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return kind switch
        {
            DeviceTransportKind.Grpc => new GrpcDeviceTransport(GrpcChannel.ForAddress(gateway.Http), ownsChannel: true),
            DeviceTransportKind.Mqtt => new MqttDeviceTransport(gateway.Mqtt ?? throw new ArgumentException("the MQTT transport needs the Gateway's MQTT address", nameof(gateway))),
            DeviceTransportKind.Fhir => FhirDeviceTransport.Open(gateway.Http),
            DeviceTransportKind.Hl7 => Hl7DeviceTransport.Open(gateway.Hl7 ?? throw new ArgumentException("no HL7 listener address", nameof(gateway))),
            _ => throw new NotSupportedException($"the {kind} transport is not built yet"),
        };
    }
}
