using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Tests;

/// <summary>Readings are attributed by the binding in force when they were observed, not when they arrive.</summary>
public class DeviceMoveTests
{
    private readonly ValidatorHarness _gateway = new();

    [Fact]
    public void A_late_reading_from_before_a_move_still_belongs_to_the_first_patient()
    {
        _gateway.Devices.Bind(Readings.DeviceId, "patient-2", Readings.Now.AddMinutes(-10));
        var beforeMove = Readings.HeartRate(70);
        beforeMove.ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Readings.Now.AddMinutes(-20));

        _gateway.AssertAccepted(beforeMove);
        var claimedByNewPatient = beforeMove.Clone();
        claimedByNewPatient.PatientId = "patient-2";
        _gateway.AssertRejected(claimedByNewPatient, RejectionReason.DevicePatientMismatch);
    }

    [Fact]
    public void After_a_move_readings_belong_to_the_new_patient()
    {
        _gateway.Devices.Bind(Readings.DeviceId, "patient-2", Readings.Now.AddMinutes(-10));
        var afterMove = Readings.HeartRate(70);
        afterMove.PatientId = "patient-2";

        _gateway.AssertAccepted(afterMove);
        _gateway.AssertRejected(Readings.HeartRate(70), RejectionReason.DevicePatientMismatch);
    }

    [Fact]
    public void A_reading_observed_before_the_device_was_ever_bound_is_refused()
    {
        var fresh = new ValidatorHarness();
        fresh.Devices.Bind("monitor-new", Readings.PatientId, Readings.Now.AddMinutes(-1));
        var early = Readings.HeartRate(70);
        early.DeviceId = "monitor-new";
        early.ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Readings.Now.AddMinutes(-5));

        var validation = fresh.AssertRejected(early, RejectionReason.DeviceNotBound);

        Assert.Equal("device was bound to no patient when the reading was observed", validation.Detail);
    }
}
