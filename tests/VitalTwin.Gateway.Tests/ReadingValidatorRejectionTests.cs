using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Tests;

public class ReadingValidatorRejectionTests
{
    private readonly ValidatorHarness _gateway = new();

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Reading_without_patient_id_is_malformed(string patientId)
    {
        var reading = Readings.HeartRate();
        reading.PatientId = patientId;

        var validation = _gateway.AssertRejected(reading, RejectionReason.Malformed);

        Assert.Equal("patient_id is required", validation.Detail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Reading_without_device_id_is_malformed(string deviceId)
    {
        var reading = Readings.HeartRate();
        reading.DeviceId = deviceId;

        var validation = _gateway.AssertRejected(reading, RejectionReason.Malformed);

        Assert.Equal("device_id is required", validation.Detail);
    }

    [Fact]
    public void Reading_without_observed_at_is_malformed()
    {
        var reading = Readings.HeartRate();
        reading.ObservedAt = null;

        var validation = _gateway.AssertRejected(reading, RejectionReason.Malformed);

        Assert.Equal("observed_at is required", validation.Detail);
    }

    [Fact]
    public void Reading_without_code_is_malformed()
    {
        var reading = Readings.HeartRate();
        reading.Code = null;

        var validation = _gateway.AssertRejected(reading, RejectionReason.Malformed);

        Assert.Equal("code needs a LOINC or an MDC code", validation.Detail);
    }

    [Fact]
    public void Code_with_neither_loinc_nor_mdc_is_malformed()
    {
        var validation = _gateway.AssertRejected(Readings.Reading(string.Empty, string.Empty, 72, "/min"), RejectionReason.Malformed);

        Assert.Equal("code needs a LOINC or an MDC code", validation.Detail);
    }

    // The catalogue treats a blank code as not given; so should the validator, as it does for blank ids.
    [Theory]
    [InlineData(" ", "")]
    [InlineData("", " ")]
    [InlineData(" ", "\t")]
    public void Code_with_only_blank_loinc_and_mdc_is_malformed(string loinc, string mdc)
    {
        _gateway.AssertRejected(Readings.Reading(loinc, mdc, 72, "/min"), RejectionReason.Malformed);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Value_that_is_not_a_finite_number_is_malformed(double value)
    {
        var validation = _gateway.AssertRejected(Readings.HeartRate(value), RejectionReason.Malformed);

        Assert.Equal("value is not a finite number", validation.Detail);
    }

    [Theory]
    [InlineData("0000-0", "", "code names no known vital")]
    [InlineData("", "MDC_NOT_A_VITAL", "code names no known vital")]
    [InlineData("8867-4", "MDC_NOT_A_VITAL", "code names no known vital")]
    [InlineData("8867-4", "MDC_TEMP_BODY", "LOINC and MDC codes name different vitals")]
    [InlineData("8867-4 ", "", "code names no known vital")]
    public void Code_outside_the_catalogue_is_an_unknown_vital(string loinc, string mdc, string detail)
    {
        var validation = _gateway.AssertRejected(Readings.Reading(loinc, mdc, 72, "/min"), RejectionReason.UnknownVital);

        Assert.Equal(detail, validation.Detail);
    }

    [Theory]
    [InlineData("8480-6", 120, "mmHg", "systolic blood pressure unit must be one of mm[Hg], kPa")]
    [InlineData("8480-6", 120, "", "systolic blood pressure unit must be one of mm[Hg], kPa")]
    [InlineData("8867-4", 72, "bpm", "heart rate unit must be one of /min, {beats}/min")]
    [InlineData("59408-5", 97, "%SpO2", "oxygen saturation unit must be one of %")]
    [InlineData("8310-5", 37, "cel", "body temperature unit must be one of Cel, [degF], K")]
    [InlineData("8310-5", 98.6, "°F", "body temperature unit must be one of Cel, [degF], K")]
    public void Unit_the_vital_does_not_accept_is_an_unknown_unit(string loinc, double value, string unit, string detail)
    {
        var validation = _gateway.AssertRejected(Readings.Reading(loinc, string.Empty, value, unit), RejectionReason.UnknownUnit);

        Assert.Equal(detail, validation.Detail);
    }

    [Theory]
    [InlineData("8867-4", "/min", 0, 300)]
    [InlineData("59408-5", "%", 0, 100)]
    [InlineData("9279-1", "/min", 0, 100)]
    [InlineData("8480-6", "mm[Hg]", 20, 300)]
    [InlineData("8310-5", "Cel", 25, 45)]
    public void Values_on_the_physiological_limits_are_accepted(string loinc, string unit, double min, double max)
    {
        Assert.Equal(min, _gateway.AssertAccepted(Readings.Reading(loinc, string.Empty, min, unit)).Value);
        Assert.Equal(max, _gateway.AssertAccepted(Readings.Reading(loinc, string.Empty, max, unit)).Value);
    }

    [Theory]
    [InlineData("8867-4", "/min", 0, 300)]
    [InlineData("59408-5", "%", 0, 100)]
    [InlineData("9279-1", "/min", 0, 100)]
    [InlineData("8480-6", "mm[Hg]", 20, 300)]
    [InlineData("8310-5", "Cel", 25, 45)]
    public void Values_just_beyond_the_physiological_limits_are_out_of_range(string loinc, string unit, double min, double max)
    {
        _gateway.AssertRejected(Readings.Reading(loinc, string.Empty, Math.BitDecrement(min), unit), RejectionReason.OutOfRange);
        _gateway.AssertRejected(Readings.Reading(loinc, string.Empty, Math.BitIncrement(max), unit), RejectionReason.OutOfRange);
    }

    [Theory]
    [InlineData(77, true)]
    [InlineData(113, true)]
    [InlineData(76.9, false)]
    [InlineData(113.1, false)]
    public void Limits_apply_to_the_value_in_the_canonical_unit(double fahrenheit, bool accepted)
    {
        var validation = _gateway.Validate(Readings.Reading("8310-5", string.Empty, fahrenheit, "[degF]"));

        Assert.Equal(accepted, validation.Accepted);
        Assert.Equal(accepted ? RejectionReason.Unspecified : RejectionReason.OutOfRange, validation.Reason);
    }

    [Fact]
    public void Out_of_range_detail_names_the_vital_and_its_limits()
    {
        var validation = _gateway.AssertRejected(Readings.Reading("8480-6", string.Empty, 19, "mm[Hg]"), RejectionReason.OutOfRange);

        Assert.Equal("systolic blood pressure outside 20-300 mm[Hg]", validation.Detail);
    }

    [Theory]
    [InlineData("monitor-2")]
    [InlineData("Monitor-1")]
    [InlineData(" monitor-1")]
    public void Reading_from_an_unregistered_device_is_refused(string deviceId)
    {
        var reading = Readings.HeartRate();
        reading.DeviceId = deviceId;

        var validation = _gateway.AssertRejected(reading, RejectionReason.UnknownDevice);

        Assert.Equal("device is not registered", validation.Detail);
    }

    [Fact]
    public void Reading_for_another_patient_than_the_device_is_bound_to_is_refused()
    {
        var reading = Readings.HeartRate();
        reading.PatientId = "patient-2";

        var validation = _gateway.AssertRejected(reading, RejectionReason.DevicePatientMismatch);

        Assert.Equal("device was bound to another patient when the reading was observed", validation.Detail);
    }

    [Fact]
    public void Device_moved_to_another_patient_no_longer_speaks_for_the_first()
    {
        _gateway.AssertAccepted(Readings.HeartRate());

        _gateway.Devices.Bind(Readings.DeviceId, "patient-2", DateTimeOffset.MinValue);

        _gateway.AssertRejected(Readings.HeartRate(), RejectionReason.DevicePatientMismatch);
        var forNewPatient = Readings.HeartRate();
        forNewPatient.PatientId = "patient-2";
        Assert.Equal("patient-2", _gateway.AssertAccepted(forNewPatient).PatientId);
    }
}
