using Microsoft.Extensions.Options;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// Keeps the device bindings, credentials and revocations equal to the devices topic: read whole before the Gateway
/// accepts its first call (hosted services start before the server listens), so a restart forgets no binding and
/// lets no revoked device back in; then followed live, so a registration, revocation, new credential or erasure made
/// on any Gateway instance holds on every instance within a fetch.
/// </summary>
internal sealed class DeviceFollower(
    DeviceRecords records,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    TimeProvider clock,
    KafkaMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<DeviceFollower> logger) : TopicFollower(kafka.Value, topics.Value.Devices, clock, metrics, lifetime, logger)
{
    protected override void Apply(ConsumedEvent consumed) => records.Apply(consumed);

    protected override void Delete(ConsumedEvent tombstone) => records.Apply(tombstone);
}
