using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// The verdict on one reading: either the normalised reading, or why it was refused. A refused reading is kept on the
/// rejected topic unless it is <see cref="Storable"/> no more: consent forbids storing anything of the patient it names.
/// </summary>
internal readonly record struct Validation(VitalSignReading? Normalised, RejectionReason Reason, string Detail, bool Storable = true)
{
    public bool Accepted => Normalised is not null;

    public static Validation Reject(RejectionReason reason, string detail) => new(null, reason, detail);
}

/// <summary>
/// Checks a reading against the device registry, the patient's consent, the clock and the vital-sign catalogue,
/// and brings an accepted one to the catalogue's canonical code and unit. Details never quote values: they may be
/// logged.
/// </summary>
internal sealed class ReadingValidator(VitalCatalogue catalogue, DeviceBindings devices, ConsentBook consent, TimeProvider clock, IOptions<GatewayOptions> options)
{
    public Validation Validate(VitalSignReading reading)
    {
        var validation = Check(reading);
        // Whatever else is wrong with it, a reading naming a patient without consent is not kept as a rejection either.
        return validation.Accepted || !validation.Storable || consent.MayProcess(reading.PatientId)
            ? validation
            : validation with { Storable = false };
    }

    private Validation Check(VitalSignReading reading)
    {
        var limits = options.Value;
        if (reading.CalculateSize() > limits.MaxReadingBytes)
        {
            return Validation.Reject(RejectionReason.Malformed, $"reading is larger than {limits.MaxReadingBytes} bytes");
        }
        if (reading.PatientId.Length > limits.MaxIdLength)
        {
            return Validation.Reject(RejectionReason.Malformed, $"patient_id is longer than {limits.MaxIdLength} characters");
        }
        if (reading.DeviceId.Length > limits.MaxIdLength)
        {
            return Validation.Reject(RejectionReason.Malformed, $"device_id is longer than {limits.MaxIdLength} characters");
        }
        if (string.IsNullOrWhiteSpace(reading.PatientId))
        {
            return Validation.Reject(RejectionReason.Malformed, "patient_id is required");
        }
        if (string.IsNullOrWhiteSpace(reading.DeviceId))
        {
            return Validation.Reject(RejectionReason.Malformed, "device_id is required");
        }
        if (reading.ObservedAt is null)
        {
            return Validation.Reject(RejectionReason.Malformed, "observed_at is required");
        }
        if (!IsRepresentable(reading.ObservedAt))
        {
            return Validation.Reject(RejectionReason.Malformed, "observed_at is not a valid timestamp");
        }
        if (reading.Code is null || (string.IsNullOrWhiteSpace(reading.Code.Loinc) && string.IsNullOrWhiteSpace(reading.Code.Mdc)))
        {
            return Validation.Reject(RejectionReason.Malformed, "code needs a LOINC or an MDC code");
        }
        var observedAt = reading.ObservedAt.ToDateTimeOffset();
        if (!devices.TryResolve(reading.DeviceId, observedAt, out var boundPatient))
        {
            return devices.BindingsOf(reading.DeviceId).Count == 0
                ? Validation.Reject(RejectionReason.UnknownDevice, "device is not registered")
                : Validation.Reject(RejectionReason.DeviceNotBound, "device was bound to no patient when the reading was observed");
        }
        // The reading is the bound patient's, whichever patient it names: without consent it is neither taken nor kept.
        if (!consent.MayProcess(boundPatient))
        {
            return new Validation(null, RejectionReason.NoConsent, "the patient's consent does not allow monitoring", Storable: false);
        }
        if (!string.Equals(boundPatient, reading.PatientId, StringComparison.Ordinal))
        {
            return Validation.Reject(RejectionReason.DevicePatientMismatch, "device was bound to another patient when the reading was observed");
        }

        var now = clock.GetUtcNow();
        if (observedAt > now + limits.MaxClockSkew || observedAt < now - limits.MaxReadingAge)
        {
            return Validation.Reject(RejectionReason.TimestampOutOfBounds, "observed_at is outside the accepted time window");
        }

        var check = catalogue.Check(reading.Code.Loinc, reading.Code.Mdc, reading.Value, reading.Unit);
        return check.Verdict switch
        {
            CatalogueVerdict.Accepted => new Validation(Normalise(reading, check.Definition!, check.CanonicalValue), RejectionReason.Unspecified, string.Empty),
            CatalogueVerdict.NotANumber => Validation.Reject(RejectionReason.Malformed, check.Detail),
            CatalogueVerdict.UnknownVital => Validation.Reject(RejectionReason.UnknownVital, check.Detail),
            CatalogueVerdict.UnknownUnit => Validation.Reject(RejectionReason.UnknownUnit, check.Detail),
            CatalogueVerdict.OutOfRange => Validation.Reject(RejectionReason.OutOfRange, check.Detail),
            _ => throw new InvalidOperationException($"Unhandled catalogue verdict {check.Verdict}"),
        };
    }

    // The wire accepts any seconds and nanos; only years 0001-9999 with nanos below one second convert.
    internal static bool IsRepresentable(Google.Protobuf.WellKnownTypes.Timestamp timestamp) =>
        timestamp.Nanos is >= 0 and <= 999_999_999 && timestamp.Seconds is >= -62_135_596_800 and <= 253_402_300_799;

    private static VitalSignReading Normalise(VitalSignReading reading, VitalDefinition definition, double canonicalValue)
    {
        var normalised = reading.Clone();
        normalised.Code = new VitalCode { Loinc = definition.Loinc, Mdc = definition.Mdc };
        normalised.Value = canonicalValue;
        normalised.Unit = definition.CanonicalUnit;
        return normalised;
    }
}
