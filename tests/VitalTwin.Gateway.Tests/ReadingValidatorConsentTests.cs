using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Tests;

/// <summary>Where consent sits among the validator's checks, and which refusals may be kept on the rejected topic.</summary>
public class ReadingValidatorConsentTests
{
    private readonly ValidatorHarness _gateway = new();

    [Theory]
    [InlineData(ConsentStatus.Refused)]
    [InlineData(ConsentStatus.Withdrawn)]
    [InlineData(ConsentStatus.Unreadable)]
    public void A_reading_of_a_patient_without_monitoring_consent_is_refused_and_not_storable(ConsentStatus status)
    {
        _gateway.Consent.Apply(Consent(Readings.PatientId, status));

        var validation = _gateway.AssertRejected(Readings.HeartRate(72), RejectionReason.NoConsent);

        Assert.False(validation.Storable);
        Assert.DoesNotContain(Readings.PatientId, validation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Consent_is_checked_before_the_time_window_and_the_catalogue_so_no_other_refusal_keeps_the_reading()
    {
        _gateway.Consent.Apply(Consent(Readings.PatientId, ConsentStatus.Refused));
        var outOfRange = Readings.HeartRate(900);
        var tooOld = Readings.HeartRate(72, Readings.Now.AddDays(-30));
        var unknownVital = Readings.Reading("0000-0", string.Empty, 1, "/min");

        Assert.All(new[] { outOfRange, tooOld, unknownVital }, reading =>
            Assert.False(_gateway.AssertRejected(reading, RejectionReason.NoConsent).Storable));
    }

    [Fact]
    public void The_bound_patient_decides_so_a_reading_naming_someone_else_from_a_refusing_patients_device_is_no_consent()
    {
        _gateway.Consent.Apply(Consent(Readings.PatientId, ConsentStatus.Withdrawn));
        var namingAnother = Readings.HeartRate(72);
        namingAnother.PatientId = "patient-2";

        Assert.False(_gateway.AssertRejected(namingAnother, RejectionReason.NoConsent).Storable);
    }

    [Fact]
    public void A_refusal_naming_a_patient_without_consent_keeps_its_reason_but_is_not_storable()
    {
        _gateway.Consent.Apply(Consent("patient-2", ConsentStatus.Refused));
        var mismatch = Readings.HeartRate(72);
        mismatch.PatientId = "patient-2";
        var unknownDevice = Readings.HeartRate(72);
        unknownDevice.DeviceId = "monitor-unregistered";
        unknownDevice.PatientId = "patient-2";

        Assert.False(_gateway.AssertRejected(mismatch, RejectionReason.DevicePatientMismatch).Storable);
        Assert.False(_gateway.AssertRejected(unknownDevice, RejectionReason.UnknownDevice).Storable);
    }

    [Fact]
    public void Refusals_of_consenting_patients_stay_storable_and_their_readings_are_accepted()
    {
        _gateway.Consent.Apply(Consent(Readings.PatientId, ConsentStatus.Monitoring));

        _gateway.AssertAccepted(Readings.HeartRate(72));
        Assert.True(_gateway.AssertRejected(Readings.HeartRate(900), RejectionReason.OutOfRange).Storable);
    }

    [Fact]
    public void Under_WithoutRecord_Refuse_a_patient_without_a_record_is_no_consent_and_refusals_naming_one_are_not_kept()
    {
        var gateway = new ValidatorHarness(withoutConsentRecord: WithoutConsentRecord.Refuse);
        var malformed = Readings.HeartRate(72);
        malformed.ObservedAt = null;

        Assert.False(gateway.AssertRejected(Readings.HeartRate(72), RejectionReason.NoConsent).Storable);
        Assert.False(gateway.AssertRejected(malformed, RejectionReason.Malformed).Storable);

        gateway.Consent.Apply(Consent(Readings.PatientId, ConsentStatus.Monitoring));
        gateway.AssertAccepted(Readings.HeartRate(72));
    }

    private static PatientConsent Consent(string patientId, ConsentStatus status) =>
        new(patientId, status, ResearchAllowed: false, Readings.Now.AddDays(-1), "registrar-1", string.Empty);
}
