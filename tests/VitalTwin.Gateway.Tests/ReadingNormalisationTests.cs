using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Tests;

public class ReadingNormalisationTests
{
    private readonly ValidatorHarness _gateway = new();

    [Theory]
    [InlineData("8867-4", "", "/min", 72, "8867-4", "MDC_ECG_HEART_RATE")]
    [InlineData("", "MDC_ECG_HEART_RATE", "/min", 72, "8867-4", "MDC_ECG_HEART_RATE")]
    [InlineData("", "MDC_PULS_OXIM_PULS_RATE", "/min", 72, "8867-4", "MDC_ECG_HEART_RATE")]
    [InlineData("59408-5", "", "%", 97, "59408-5", "MDC_PULS_OXIM_SAT_O2")]
    [InlineData("2708-6", "", "%", 97, "59408-5", "MDC_PULS_OXIM_SAT_O2")]
    [InlineData("", "MDC_PULS_OXIM_SAT_O2", "%", 97, "59408-5", "MDC_PULS_OXIM_SAT_O2")]
    [InlineData("9279-1", "", "/min", 16, "9279-1", "MDC_RESP_RATE")]
    [InlineData("", "MDC_RESP_RATE", "/min", 16, "9279-1", "MDC_RESP_RATE")]
    [InlineData("8480-6", "", "mm[Hg]", 120, "8480-6", "MDC_PRESS_BLD_NONINV_SYS")]
    [InlineData("", "MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", 120, "8480-6", "MDC_PRESS_BLD_NONINV_SYS")]
    [InlineData("8310-5", "", "Cel", 37, "8310-5", "MDC_TEMP_BODY")]
    [InlineData("", "MDC_TEMP_BODY", "Cel", 37, "8310-5", "MDC_TEMP_BODY")]
    [InlineData("8867-4", "MDC_PULS_OXIM_PULS_RATE", "/min", 72, "8867-4", "MDC_ECG_HEART_RATE")]
    public void Accepted_reading_carries_both_canonical_codes(string loinc, string mdc, string unit, double value, string canonicalLoinc, string canonicalMdc)
    {
        var normalised = _gateway.AssertAccepted(Readings.Reading(loinc, mdc, value, unit));

        Assert.Equal(canonicalLoinc, normalised.Code.Loinc);
        Assert.Equal(canonicalMdc, normalised.Code.Mdc);
    }

    [Fact]
    public void Fahrenheit_is_converted_to_celsius()
    {
        var normalised = _gateway.AssertAccepted(Readings.Reading(string.Empty, "MDC_TEMP_BODY", 98.6, "[degF]"));

        Assert.Equal("Cel", normalised.Unit);
        Assert.Equal(37, normalised.Value, 1e-9);
        Assert.Equal("8310-5", normalised.Code.Loinc);
    }

    [Theory]
    [InlineData("8867-4", 72, "{beats}/min", 72, "/min")]
    [InlineData("9279-1", 16, "{breaths}/min", 16, "/min")]
    [InlineData("8480-6", 16, "kPa", 120.00992, "mm[Hg]")]
    [InlineData("8310-5", 310.15, "K", 37, "Cel")]
    [InlineData("8310-5", 37.5, "Cel", 37.5, "Cel")]
    public void Value_is_expressed_in_the_canonical_unit(string loinc, double value, string unit, double canonicalValue, string canonicalUnit)
    {
        var normalised = _gateway.AssertAccepted(Readings.Reading(loinc, string.Empty, value, unit));

        Assert.Equal(canonicalUnit, normalised.Unit);
        Assert.Equal(canonicalValue, normalised.Value, 1e-9);
    }

    [Fact]
    public void Identity_time_and_quality_flags_are_kept()
    {
        var reading = Readings.Reading("8310-5", string.Empty, 98.6, "[degF]");
        reading.SequenceNumber = 42;
        reading.QualityFlags.Add(QualityFlag.MotionArtifact);
        reading.QualityFlags.Add(QualityFlag.ManualEntry);

        var normalised = _gateway.AssertAccepted(reading);

        Assert.Equal(reading.PatientId, normalised.PatientId);
        Assert.Equal(reading.DeviceId, normalised.DeviceId);
        Assert.Equal(42UL, normalised.SequenceNumber);
        Assert.Equal(reading.ObservedAt, normalised.ObservedAt);
        Assert.Equal([QualityFlag.MotionArtifact, QualityFlag.ManualEntry], normalised.QualityFlags);
    }

    [Fact]
    public void Reading_as_received_is_left_untouched()
    {
        var reading = Readings.Reading("8310-5", string.Empty, 98.6, "[degF]");
        reading.QualityFlags.Add(QualityFlag.Questionable);
        var received = reading.Clone();

        var normalised = _gateway.AssertAccepted(reading);

        Assert.Equal(received, reading);
        Assert.NotSame(reading, normalised);
        Assert.NotSame(reading.Code, normalised.Code);
        Assert.NotEqual(received, normalised);
    }
}
