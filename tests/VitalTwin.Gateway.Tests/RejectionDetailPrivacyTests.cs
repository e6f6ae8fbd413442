using System.Globalization;
using VitalTwin.Contracts.Telemetry.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>Rejection details are logged and returned to devices, so they must never quote a measurement.</summary>
public class RejectionDetailPrivacyTests
{
    private const double Value = 387.6543;

    private readonly ValidatorHarness _gateway = new();

    public RejectionDetailPrivacyTests() => _gateway.Devices.Bind("monitor-late", Readings.PatientId, Readings.Now.AddMinutes(1));

    [Theory]
    [InlineData(RejectionReason.Malformed)]
    [InlineData(RejectionReason.UnknownVital)]
    [InlineData(RejectionReason.UnknownUnit)]
    [InlineData(RejectionReason.OutOfRange)]
    [InlineData(RejectionReason.UnknownDevice)]
    [InlineData(RejectionReason.DevicePatientMismatch)]
    [InlineData(RejectionReason.DeviceNotBound)]
    [InlineData(RejectionReason.TimestampOutOfBounds)]
    public void Detail_never_contains_the_value(RejectionReason reason)
    {
        var validation = _gateway.AssertRejected(ReadingRefusedFor(reason), reason);

        Assert.NotEmpty(validation.Detail);
        AssertDoesNotQuote(Value, validation.Detail);
    }

    [Fact]
    public void Out_of_range_detail_contains_neither_the_value_sent_nor_its_conversion()
    {
        const double fahrenheit = 187.6543;
        const double celsius = (fahrenheit - 32) * 5 / 9;

        var validation = _gateway.AssertRejected(Readings.Reading("8310-5", string.Empty, fahrenheit, "[degF]"), RejectionReason.OutOfRange);

        AssertDoesNotQuote(fahrenheit, validation.Detail);
        AssertDoesNotQuote(celsius, validation.Detail);
    }

    private static VitalSignReading ReadingRefusedFor(RejectionReason reason)
    {
        // Beyond the heart-rate limit; every other case breaks something the validator checks first.
        var reading = Readings.HeartRate(Value);
        switch (reason)
        {
            case RejectionReason.Malformed:
                reading.PatientId = string.Empty;
                break;
            case RejectionReason.UnknownVital:
                reading.Code = new VitalCode { Loinc = "0000-0" };
                break;
            case RejectionReason.UnknownUnit:
                reading.Unit = "bpm";
                break;
            case RejectionReason.OutOfRange:
                break;
            case RejectionReason.UnknownDevice:
                reading.DeviceId = "monitor-2";
                break;
            case RejectionReason.DevicePatientMismatch:
                reading.PatientId = "patient-2";
                break;
            case RejectionReason.DeviceNotBound:
                reading.DeviceId = "monitor-late";
                break;
            case RejectionReason.TimestampOutOfBounds:
                reading.ObservedAt = Timestamp.FromDateTimeOffset(Readings.Now.AddDays(2));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(reason), reason, null);
        }
        return reading;
    }

    private static void AssertDoesNotQuote(double value, string detail)
    {
        Assert.DoesNotContain(value.ToString(CultureInfo.InvariantCulture), detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Math.Round(value, 1).ToString(CultureInfo.InvariantCulture), detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Math.Truncate(value).ToString(CultureInfo.InvariantCulture), detail, StringComparison.Ordinal);
    }
}
