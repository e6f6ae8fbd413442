using System.Collections.Concurrent;
using System.Security.Cryptography;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Devices;

/// <summary>What the Gateway thinks of a device presenting itself.</summary>
internal enum DeviceStanding
{
    Allowed,
    Unknown,
    Revoked,
    WrongCredential,
}

/// <summary>
/// Per registered device, the SHA-256 of its current credential's secret and whether it is revoked; kept equal to
/// the devices topic by <see cref="DeviceRecords"/>. Only the newest registration's credential is valid, and a
/// revocation holds until the device is registered again. Thread-safe; <see cref="Changes"/> keeps the order of the devices topic and of
/// this table the same when registrations and revocations of one device race.
/// </summary>
internal sealed class DeviceCredentials
{
    private readonly ConcurrentDictionary<string, Entry> _byDevice = new(StringComparer.Ordinal);

    /// <summary>Held while a change is published and applied.</summary>
    public SemaphoreSlim Changes { get; } = new(1, 1);

    /// <summary>
    /// A registration: its credential replaces the previous one; an empty hash (an old registration) allows certificates
    /// only. <paramref name="ingestSystem"/> may send the device's readings in its stead; empty, no system may.
    /// </summary>
    public void Registered(string deviceId, ReadOnlySpan<byte> secretHash, string ingestSystem = "") =>
        _byDevice[deviceId] = new Entry(secretHash.Length == 0 ? null : secretHash.ToArray(), Revoked: false, ingestSystem);

    /// <summary>Revokes the device; false when it was never registered.</summary>
    public bool Revoke(string deviceId)
    {
        if (!_byDevice.ContainsKey(deviceId))
        {
            return false;
        }
        _byDevice[deviceId] = new Entry(null, Revoked: true, IngestSystem: string.Empty);
        return true;
    }

    /// <summary>Forgets the device: it is unknown until registered again.</summary>
    public void Forget(string deviceId) => _byDevice.TryRemove(deviceId, out _);

    public bool IsRegistered(string deviceId) => _byDevice.ContainsKey(deviceId);

    /// <summary>A device authenticated otherwise (by certificate): registered and not revoked.</summary>
    public DeviceStanding Check(string deviceId) => _byDevice.TryGetValue(deviceId, out var entry)
        ? entry.Revoked ? DeviceStanding.Revoked : DeviceStanding.Allowed
        : DeviceStanding.Unknown;

    /// <summary>A device presenting a credential whose secret hashes to <paramref name="secretHash"/>.</summary>
    public DeviceStanding Check(string deviceId, ReadOnlySpan<byte> secretHash)
    {
        if (!_byDevice.TryGetValue(deviceId, out var entry))
        {
            return DeviceStanding.Unknown;
        }
        if (entry.Revoked)
        {
            return DeviceStanding.Revoked;
        }
        // Fixed time: how much of a guess matched must not show in the answer's timing.
        return entry.SecretHash is { } expected && CryptographicOperations.FixedTimeEquals(expected, secretHash)
            ? DeviceStanding.Allowed
            : DeviceStanding.WrongCredential;
    }

    /// <summary>
    /// Whether <paramref name="sender"/> may send the readings of <paramref name="deviceId"/> now: a device sends its
    /// own, a system those of the registered, unrevoked devices whose registration names it.
    /// </summary>
    public DeviceStanding MaySend(Sender sender, string deviceId)
    {
        if (sender.IsDevice)
        {
            // The device authenticated when the call or session began; a revocation since ends what it sends.
            return string.Equals(sender.Name, deviceId, StringComparison.Ordinal) ? Check(deviceId) : DeviceStanding.WrongCredential;
        }
        if (!_byDevice.TryGetValue(deviceId, out var entry))
        {
            return DeviceStanding.Unknown;
        }
        if (entry.Revoked)
        {
            return DeviceStanding.Revoked;
        }
        // A registration naming no system lets none send for the device, whatever a system calls itself.
        return entry.IngestSystem.Length > 0 && string.Equals(entry.IngestSystem, sender.Name, StringComparison.Ordinal)
            ? DeviceStanding.Allowed
            : DeviceStanding.WrongCredential;
    }

    private sealed record Entry(byte[]? SecretHash, bool Revoked, string IngestSystem);
}
