using VitalTwin.Gateway.Devices;

namespace VitalTwin.Gateway.Tests;

public class DeviceBindingsTests
{
    private readonly DeviceBindings _bindings = new();

    [Fact]
    public void First_registration_is_not_a_rebinding()
    {
        Assert.False(_bindings.Register("monitor-1", "patient-1"));

        Assert.True(_bindings.TryGetPatient("monitor-1", out var patientId));
        Assert.Equal("patient-1", patientId);
    }

    [Fact]
    public void Registering_again_for_the_same_patient_is_not_a_rebinding()
    {
        _bindings.Register("monitor-1", "patient-1");

        Assert.False(_bindings.Register("monitor-1", "patient-1"));
    }

    [Fact]
    public void Registering_for_another_patient_rebinds_the_device()
    {
        _bindings.Register("monitor-1", "patient-1");

        Assert.True(_bindings.Register("monitor-1", "patient-2"));

        Assert.True(_bindings.TryGetPatient("monitor-1", out var patientId));
        Assert.Equal("patient-2", patientId);
    }

    [Fact]
    public void Moving_back_to_the_first_patient_is_a_rebinding_too()
    {
        _bindings.Register("monitor-1", "patient-1");
        _bindings.Register("monitor-1", "patient-2");

        Assert.True(_bindings.Register("monitor-1", "patient-1"));
    }

    [Fact]
    public void Patient_ids_differing_only_in_case_are_different_patients()
    {
        _bindings.Register("monitor-1", "patient-1");

        Assert.True(_bindings.Register("monitor-1", "Patient-1"));
    }

    [Fact]
    public void Devices_are_bound_independently()
    {
        _bindings.Register("monitor-1", "patient-1");

        Assert.False(_bindings.Register("monitor-2", "patient-2"));

        Assert.True(_bindings.TryGetPatient("monitor-1", out var patientId));
        Assert.Equal("patient-1", patientId);
    }

    [Fact]
    public void Unregistered_device_has_no_patient()
    {
        _bindings.Register("monitor-1", "patient-1");

        Assert.False(_bindings.TryGetPatient("monitor-2", out _));
        Assert.False(_bindings.TryGetPatient("MONITOR-1", out _));
    }
}
