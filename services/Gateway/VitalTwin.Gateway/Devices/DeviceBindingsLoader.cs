using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// Rebuilds the device bindings, credentials and revocations from the devices topic before the Gateway accepts
/// its first call (hosted services start before the server listens), so a restart does not forget which device
/// measures whom, nor let a revoked device back in.
/// </summary>
internal sealed partial class DeviceBindingsLoader(
    DeviceBindings bindings,
    DeviceCredentials credentials,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    ILogger<DeviceBindingsLoader> logger) : IHostedService
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var (registrations, revocations) = (0, 0);
        foreach (var partition in CompactedTopicReader.Partitions(kafka.Value, topics.Value.Devices, ReadTimeout))
        {
            // In topic order: a device's events share its key, hence its partition.
            CompactedTopicReader.ReadToEnd(kafka.Value, partition, ReadTimeout, consumed =>
            {
                if (consumed.Is(DeviceBound.Descriptor))
                {
                    var bound = consumed.Parse(DeviceBound.Parser);
                    bindings.Bind(bound.DeviceId, bound.PatientId, bound.BoundFrom.ToDateTimeOffset());
                    credentials.Registered(bound.DeviceId, bound.CredentialSha256.Span);
                    registrations++;
                }
                else if (consumed.Is(DeviceRevoked.Descriptor))
                {
                    credentials.Revoke(consumed.Parse(DeviceRevoked.Parser).DeviceId);
                    revocations++;
                }
                else if (consumed.IsTombstone)
                {
                    // Unbound because its patient's consent ended (see ErasedPatientDevices).
                    bindings.Unbind(consumed.Key, DateTimeOffset.MinValue);
                    credentials.Forget(consumed.Key);
                }
            }, cancellationToken);
        }
        LogLoaded(logger, registrations, revocations);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt device bindings from {Registrations} registrations and {Revocations} revocations")]
    private static partial void LogLoaded(ILogger logger, int registrations, int revocations);
}
