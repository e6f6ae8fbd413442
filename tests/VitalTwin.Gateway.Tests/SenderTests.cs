using VitalTwin.Gateway.Devices;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Who may send a device's readings: the device itself, or the one system its registration names, and neither once the
/// device is revoked. Every front door relies on this one rule (DeviceCredentials.MaySend, applied by the ingestion core).
/// </summary>
public sealed class SenderTests
{
    private readonly DeviceCredentials _credentials = new();

    [Fact]
    public void A_device_sends_its_own_readings_and_no_other_devices()
    {
        _credentials.Registered("monitor-1", [1, 2, 3]);
        _credentials.Registered("monitor-2", [4, 5, 6]);

        Assert.Equal(DeviceStanding.Allowed, _credentials.MaySend(Sender.Device("monitor-1"), "monitor-1"));
        Assert.Equal(DeviceStanding.WrongCredential, _credentials.MaySend(Sender.Device("monitor-1"), "monitor-2"));
    }

    [Fact]
    public void A_system_sends_for_the_devices_registered_with_it_and_for_no_other()
    {
        _credentials.Registered("monitor-1", [1], ingestSystem: "icu-gateway");
        _credentials.Registered("monitor-2", [2], ingestSystem: "ward-hub");
        _credentials.Registered("monitor-3", [3]);

        Assert.Equal(DeviceStanding.Allowed, _credentials.MaySend(Sender.System("icu-gateway"), "monitor-1"));
        Assert.Equal(DeviceStanding.WrongCredential, _credentials.MaySend(Sender.System("icu-gateway"), "monitor-2"));
        Assert.Equal(DeviceStanding.WrongCredential, _credentials.MaySend(Sender.System("icu-gateway"), "monitor-3"));
        Assert.Equal(DeviceStanding.Unknown, _credentials.MaySend(Sender.System("icu-gateway"), "monitor-unknown"));
        // A system is not a device of the same name, nor the other way round.
        Assert.Equal(DeviceStanding.WrongCredential, _credentials.MaySend(Sender.Device("icu-gateway"), "monitor-1"));
        Assert.Throws<ArgumentException>(() => Sender.System(string.Empty));
    }

    [Fact]
    public void A_revoked_device_is_sent_for_by_nobody_until_registered_again_and_then_by_the_system_its_new_registration_names()
    {
        _credentials.Registered("monitor-1", [1], ingestSystem: "icu-gateway");
        _credentials.Revoke("monitor-1");

        Assert.Equal(DeviceStanding.Revoked, _credentials.MaySend(Sender.System("icu-gateway"), "monitor-1"));
        Assert.Equal(DeviceStanding.Revoked, _credentials.MaySend(Sender.Device("monitor-1"), "monitor-1"));

        _credentials.Registered("monitor-1", [2], ingestSystem: "ward-hub");
        Assert.Equal(DeviceStanding.WrongCredential, _credentials.MaySend(Sender.System("icu-gateway"), "monitor-1"));
        Assert.Equal(DeviceStanding.Allowed, _credentials.MaySend(Sender.System("ward-hub"), "monitor-1"));
    }
}
