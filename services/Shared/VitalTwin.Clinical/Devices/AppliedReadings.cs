namespace VitalTwin.Clinical;

/// <summary>How far a device's readings were applied: the boot they came from and the last sequence number in it.</summary>
public readonly record struct DeviceSequence(ulong BootId, ulong Last);

/// <summary>
/// Recognises a reading already applied by its identity: device, boot and sequence number, whichever Gateway or replay
/// delivered it. A device numbers its readings within a boot (0 for one that sends no boot id), and one patient's
/// readings arrive in order, so a high-water mark per device is all it keeps: a reading is new when its number is above
/// the highest applied in the device's latest boot. A reading of another boot is a restarted device, applied, and its
/// boot becomes the one counted (a late resend from the boot before is then applied again). Not thread-safe.
/// </summary>
public sealed class AppliedReadings
{
    private readonly Dictionary<string, DeviceSequence> _byDevice;

    public AppliedReadings()
        : this([])
    {
    }

    public AppliedReadings(IEnumerable<KeyValuePair<string, DeviceSequence>> marks)
    {
        ArgumentNullException.ThrowIfNull(marks);
        _byDevice = new Dictionary<string, DeviceSequence>(marks, StringComparer.Ordinal);
    }

    /// <summary>The high-water mark of each device.</summary>
    public IReadOnlyDictionary<string, DeviceSequence> ByDevice => _byDevice;

    /// <summary>Marks the reading applied; false when it was already (a resend or a replay), and then nothing may apply it again.</summary>
    public bool TryApply(string deviceId, ulong bootId, ulong sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        if (_byDevice.TryGetValue(deviceId, out var last) && last.BootId == bootId && sequenceNumber <= last.Last)
        {
            return false;
        }

        _byDevice[deviceId] = new DeviceSequence(bootId, sequenceNumber);
        return true;
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write7BitEncodedInt(_byDevice.Count);
        foreach (var (device, sequence) in _byDevice.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            writer.Write(device);
            writer.Write(sequence.BootId);
            writer.Write(sequence.Last);
        }
    }

    /// <exception cref="InvalidDataException">The marks are corrupt.</exception>
    public static AppliedReadings Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            var count = reader.Read7BitEncodedInt();
            if (count < 0)
            {
                throw new InvalidDataException("The applied readings' marks are corrupt.");
            }

            var applied = new AppliedReadings();
            for (var i = 0; i < count; i++)
            {
                var device = reader.ReadString();
                applied._byDevice[device] = new DeviceSequence(reader.ReadUInt64(), reader.ReadUInt64());
            }

            return applied;
        }
        catch (FormatException ex)
        {
            // A damaged length prefix: too many continuation bytes.
            throw new InvalidDataException("The applied readings' marks are corrupt.", ex);
        }
    }
}
