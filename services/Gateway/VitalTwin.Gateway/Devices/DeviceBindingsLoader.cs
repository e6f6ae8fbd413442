using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// Rebuilds the device bindings from the devices topic before the Gateway accepts its first call (hosted
/// services start before the server listens), so a restart does not forget which device measures whom.
/// </summary>
internal sealed partial class DeviceBindingsLoader(
    DeviceBindings bindings,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    ILogger<DeviceBindingsLoader> logger) : IHostedService
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var partition in CompactedTopicReader.Partitions(kafka.Value.BootstrapServers, topics.Value.Devices, ReadTimeout))
        {
            CompactedTopicReader.ReadToEnd(kafka.Value.BootstrapServers, partition, DeviceBound.Descriptor, ReadTimeout, (_, value) =>
            {
                var bound = DeviceBound.Parser.ParseFrom(value);
                bindings.Bind(bound.DeviceId, bound.PatientId, bound.BoundFrom.ToDateTimeOffset());
                count++;
            }, cancellationToken);
        }
        LogLoaded(logger, count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt device bindings from {Count} registrations")]
    private static partial void LogLoaded(ILogger logger, int count);
}
