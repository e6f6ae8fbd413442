using Confluent.Kafka;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// Applies records of the devices topic to the device bindings and credentials: those this instance has just
/// published, at once, and every instance's as <see cref="DeviceFollower"/> reads them. A device's records share its
/// key, hence its partition, so their offsets order them: a record at or before the one last applied for its device
/// is skipped. Reading back a change made here therefore applies nothing twice, and never undoes a newer one (a
/// registration read back after this instance revoked the device). Thread-safe.
/// </summary>
internal sealed class DeviceRecords(DeviceBindings bindings, DeviceCredentials credentials)
{
    private readonly Lock _gate = new();

    // Kept after a device is erased too: a registration older than its tombstone must not bring it back.
    private readonly Dictionary<string, TopicPartitionOffset> _applied = new(StringComparer.Ordinal);

    /// <summary>A record read from the topic; false when it was not applied (not newer than the device's last, or not a device record).</summary>
    public bool Apply(ConsumedEvent consumed)
    {
        if (consumed.IsTombstone)
        {
            // Unbound because its patient's consent ended (see ErasedPatientDevices).
            return Erased(consumed.Key, consumed.Position);
        }
        if (consumed.Is(DeviceBound.Descriptor))
        {
            return Bound(consumed.Parse(DeviceBound.Parser), consumed.Position);
        }
        return consumed.Is(DeviceRevoked.Descriptor) && Revoked(consumed.Parse(DeviceRevoked.Parser).DeviceId, consumed.Position);
    }

    /// <summary>A registration stored at <paramref name="at"/>: the binding, and its credential replacing the previous one.</summary>
    public bool Bound(DeviceBound bound, TopicPartitionOffset at) => IfNewer(bound.DeviceId, at, () =>
    {
        bindings.Bind(bound.DeviceId, bound.PatientId, bound.BoundFrom.ToDateTimeOffset());
        credentials.Registered(bound.DeviceId, bound.CredentialSha256.Span, bound.IngestSystem);
    });

    /// <summary>A revocation stored at <paramref name="at"/>.</summary>
    public bool Revoked(string deviceId, TopicPartitionOffset at) => IfNewer(deviceId, at, () => credentials.Revoke(deviceId));

    /// <summary>A tombstone stored at <paramref name="at"/>: the device is unbound and unknown until registered again.</summary>
    public bool Erased(string deviceId, TopicPartitionOffset at) => IfNewer(deviceId, at, () =>
    {
        bindings.Unbind(deviceId, DateTimeOffset.MinValue);
        credentials.Forget(deviceId);
    });

    private bool IfNewer(string deviceId, TopicPartitionOffset at, Action apply)
    {
        lock (_gate)
        {
            // Offsets of different partitions do not compare (the topic's partitions were changed): the later read wins.
            if (_applied.TryGetValue(deviceId, out var last) && last.Partition == at.Partition && last.Offset.Value >= at.Offset.Value)
            {
                return false;
            }
            apply();
            _applied[deviceId] = at;
            return true;
        }
    }
}
