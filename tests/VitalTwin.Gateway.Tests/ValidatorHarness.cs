using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Tests;

/// <summary>A validator on a fake clock set to <see cref="Readings.Now"/>, with the readings' device registered.</summary>
internal sealed class ValidatorHarness
{
    private readonly ReadingValidator _validator;

    public ValidatorHarness(GatewayOptions? options = null, WithoutConsentRecord withoutConsentRecord = WithoutConsentRecord.Monitor)
    {
        Devices.Bind(Readings.DeviceId, Readings.PatientId, DateTimeOffset.MinValue);
        Consent = new ConsentBook(withoutConsentRecord);
        _validator = new ReadingValidator(VitalCatalogue.Default, Devices, Consent, Clock, Options.Create(options ?? new GatewayOptions()));
    }

    public ConsentBook Consent { get; }

    public FakeTimeProvider Clock { get; } = new(Readings.Now);

    public DeviceBindings Devices { get; } = new();

    public Validation Validate(VitalSignReading reading) => _validator.Validate(reading);

    public VitalSignReading AssertAccepted(VitalSignReading reading)
    {
        var validation = Validate(reading);
        Assert.True(validation.Accepted, $"rejected as {validation.Reason}: {validation.Detail}");
        Assert.Equal(RejectionReason.Unspecified, validation.Reason);
        Assert.Equal(string.Empty, validation.Detail);
        return validation.Normalised!;
    }

    public Validation AssertRejected(VitalSignReading reading, RejectionReason reason)
    {
        var validation = Validate(reading);
        Assert.False(validation.Accepted);
        Assert.Null(validation.Normalised);
        Assert.Equal(reason, validation.Reason);
        return validation;
    }
}
