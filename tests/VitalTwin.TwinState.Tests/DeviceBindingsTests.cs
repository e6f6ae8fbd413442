using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class DeviceBindingsTests
{
    private readonly TwinRegistry _registry = new();
    private readonly Devices _devices = new();

    [Fact]
    public void A_device_moved_between_patients_mid_stream_is_attributed_by_observed_time()
    {
        _registry.Bindings.Bind("monitor-1", "patient-a", Readings.Start);
        _registry.Bindings.Bind("monitor-1", "patient-b", Readings.Start.AddMinutes(10));

        var beforeMove = _registry.Apply(_devices.Reading(VitalSign.HeartRate, 70, atSecond: 9 * 60));
        var afterMove = _registry.Apply(_devices.Reading(VitalSign.HeartRate, 110, atSecond: 10 * 60));
        // Delivered after the move, observed before it: still patient A's.
        var lateFromBefore = _registry.Apply(_devices.Reading(VitalSign.OxygenSaturation, 96, atSecond: (9 * 60) + 59));

        Assert.Equal("patient-a", beforeMove.PatientId);
        Assert.Equal("patient-b", afterMove.PatientId);
        Assert.Equal("patient-a", lateFromBefore.PatientId);
        Assert.True(lateFromBefore.IsAttributed && lateFromBefore.Change.Value.Applied);
        var a = _registry.GetOrCreate("patient-a").Snapshot();
        var b = _registry.GetOrCreate("patient-b").Snapshot();
        Assert.Equal([VitalSign.HeartRate, VitalSign.OxygenSaturation], a.Latest.Keys.Order());
        Assert.Equal(70, a.Latest[VitalSign.HeartRate].Value);
        Assert.Equal(110, Assert.Single(b.Latest).Value.Value);
        Assert.Equal(2ul, a.ReadingsApplied);
        Assert.Equal(1ul, b.ReadingsApplied);
    }

    [Fact]
    public void A_reading_from_a_device_bound_to_nobody_at_that_time_is_unattributed()
    {
        _registry.Bindings.Bind("monitor-1", "patient-a", Readings.Start.AddMinutes(1));
        _registry.Bindings.Unbind("monitor-1", Readings.Start.AddMinutes(5));

        var beforeBinding = _registry.Apply(_devices.Reading(VitalSign.HeartRate, 70, atSecond: 59));
        var bound = _registry.Apply(_devices.Reading(VitalSign.HeartRate, 71, atSecond: 60));
        var afterUnbinding = _registry.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 5 * 60));
        var unknownDevice = _registry.Apply(_devices.Reading(VitalSign.HeartRate, 73, atSecond: 120, device: "stranger"));

        Assert.False(beforeBinding.IsAttributed);
        Assert.True(bound.IsAttributed);
        Assert.False(afterUnbinding.IsAttributed);
        Assert.False(unknownDevice.IsAttributed);
        Assert.Null(unknownDevice.Change);
        Assert.Equal(1, _registry.Count);
        Assert.Equal(1ul, _registry.GetOrCreate("patient-a").Snapshot().ReadingsApplied);
    }

    [Fact]
    public void A_later_binding_overrides_only_the_interval_it_covers()
    {
        var bindings = new DeviceBindings();
        bindings.Bind("monitor-1", "patient-a", Readings.Start);
        bindings.Bind("monitor-1", "patient-b", Readings.Start.AddMinutes(10), Readings.Start.AddMinutes(20));

        Assert.Equal(
            [
                new DeviceBinding("monitor-1", "patient-a", Readings.Start, Readings.Start.AddMinutes(10)),
                new DeviceBinding("monitor-1", "patient-b", Readings.Start.AddMinutes(10), Readings.Start.AddMinutes(20)),
                new DeviceBinding("monitor-1", "patient-a", Readings.Start.AddMinutes(20), null),
            ],
            bindings.BindingsOf("monitor-1"));
        Assert.True(bindings.TryResolve("monitor-1", Readings.Start.AddMinutes(19), out var during));
        Assert.True(bindings.TryResolve("monitor-1", Readings.Start.AddMinutes(20), out var after));
        Assert.Equal(("patient-b", "patient-a"), (during, after));
        Assert.False(bindings.TryResolve("monitor-1", Readings.Start.AddTicks(-1), out _));
    }

    [Fact]
    public void Pruning_forgets_bindings_that_ended_and_the_time_line_survives_a_round_trip()
    {
        var bindings = new DeviceBindings();
        bindings.Bind("monitor-1", "patient-a", Readings.Start, Readings.Start.AddHours(1));
        bindings.Bind("monitor-1", "patient-b", Readings.Start.AddHours(2));
        bindings.Bind("oximeter-1", "patient-a", Readings.Start, Readings.Start.AddHours(1));

        Assert.Equal(2, bindings.Prune(Readings.Start.AddHours(1)));

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            bindings.Write(writer);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        var restored = DeviceBindings.Read(reader);
        Assert.Equal(1, restored.DeviceCount);
        Assert.Equal(bindings.BindingsOf("monitor-1"), restored.BindingsOf("monitor-1"));
        Assert.Empty(restored.BindingsOf("oximeter-1"));
    }

    [Fact]
    public void A_binding_must_end_after_it_starts()
    {
        var bindings = new DeviceBindings();

        Assert.Throws<ArgumentOutOfRangeException>(() => bindings.Bind("monitor-1", "patient-a", Readings.Start, Readings.Start));
    }
}
