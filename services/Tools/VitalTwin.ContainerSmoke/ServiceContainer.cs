namespace VitalTwin.ContainerSmoke;

/// <summary>One service as a container: its image, its name for podman, and the loopback ports it listens on (host network).</summary>
internal sealed record ServiceContainer(string Service, string Image, string Name, int GrpcPort, int HttpPort, int? MqttPort)
{
    public Uri Grpc => new($"https://127.0.0.1:{GrpcPort}");

    public Uri Health => new($"http://127.0.0.1:{HttpPort}/health");
}
