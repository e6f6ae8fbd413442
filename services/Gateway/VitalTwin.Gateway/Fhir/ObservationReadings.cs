using System.Collections.Frozen;
using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;
using static VitalTwin.Gateway.Fhir.FhirOutcomes;
using IssueSeverity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity;
using IssueType = Hl7.Fhir.Model.OperationOutcome.IssueType;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Fhir;

/// <summary>A reading an Observation carries, with where in the Observation it was (<c>Observation.value</c>, <c>Observation.component[1]</c>).</summary>
internal sealed record ObservedValue(VitalSignReading Reading, string Expression);

/// <summary>What an Observation maps to: its readings, and the issues to answer with (errors refuse it whole).</summary>
internal sealed record ObservationMapping(
    IReadOnlyList<ObservedValue> Values,
    IReadOnlyList<OperationOutcome.IssueComponent> Warnings,
    IReadOnlyList<OperationOutcome.IssueComponent> Errors,
    int Status = StatusCodes.Status422UnprocessableEntity)
{
    public bool Refused => Errors.Count > 0;
}

/// <summary>
/// Maps a vital-signs Observation to readings: its <c>valueQuantity</c>, or each component's (blood pressure's systolic
/// and diastolic), coded in LOINC and/or MDC, the patient and device named by identifier. A component whose code is not
/// a vital of the catalogue is not stored and is named in a warning. Readings get their identity from
/// <see cref="DerivedIdentity"/>. The catalogue, not this class, judges codes, units and values (through the core).
/// </summary>
internal sealed class ObservationReadings(VitalCatalogue catalogue, IOptions<FhirOptions> options)
{
    public const string LoincSystem = "http://loinc.org";
    public const string MdcSystem = "urn:iso:std:iso:11073:10101";
    public const string UcumSystem = "http://unitsofmeasure.org";

    /// <summary>The numeric MDC codes (partition 2, 11073-10101) of the catalogue's vitals, as their reference names.</summary>
    public static readonly FrozenDictionary<string, string> MdcReferenceNames = new Dictionary<string, string>
    {
        ["147842"] = "MDC_ECG_HEART_RATE",
        ["149530"] = "MDC_PULS_OXIM_PULS_RATE",
        ["150456"] = "MDC_PULS_OXIM_SAT_O2",
        ["151562"] = "MDC_RESP_RATE",
        ["150021"] = "MDC_PRESS_BLD_NONINV_SYS",
        ["150364"] = "MDC_TEMP_BODY",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly HashSet<ObservationStatus> Taken = [ObservationStatus.Final, ObservationStatus.Amended, ObservationStatus.Corrected, ObservationStatus.Preliminary];

    public ObservationMapping Map(Observation observation)
    {
        var errors = new List<OperationOutcome.IssueComponent>();
        var warnings = new List<OperationOutcome.IssueComponent>();
        if (observation.Status is not { } status || !Taken.Contains(status))
        {
            errors.Add(Error(IssueType.BusinessRule, "only an Observation whose status is final, amended, corrected or preliminary is taken", "Observation.status"));
        }
        var patientId = Identified(observation.Subject, options.Value.PatientIdentifierSystem, "Observation.subject", errors);
        var deviceId = Identified(observation.Device, options.Value.DeviceIdentifierSystem, "Observation.device", errors);
        var observedAt = ObservedAt(observation.Effective, errors);

        var values = new List<ObservedValue>();
        if (observation.Value is not null)
        {
            var (loinc, mdc) = Codes(observation.Code);
            Add(observation.Value, loinc, mdc, "Observation.value");
        }
        for (var i = 0; i < observation.Component.Count; i++)
        {
            var component = observation.Component[i];
            var (loinc, mdc) = Codes(component.Code);
            if (!catalogue.TryFind(loinc, mdc, out _))
            {
                warnings.Add(Issue(IssueSeverity.Warning, IssueType.NotSupported,
                    $"component {i} ({Describe(component.Code)}) is not a vital the Gateway keeps; it was not stored", $"Observation.component[{i}]"));
                continue;
            }
            Add(component.Value, loinc, mdc, $"Observation.component[{i}].value");
        }
        if (values.Count == 0 && errors.Count == 0)
        {
            errors.Add(Error(IssueType.NotSupported, "the Observation carries no value of a vital the Gateway keeps", "Observation"));
        }
        return errors.Count > 0 ? new ObservationMapping([], warnings, errors) : new ObservationMapping(values, warnings, errors);

        void Add(DataType? value, string? loinc, string? mdc, string expression)
        {
            if (value is not Quantity { Value: { } number } quantity)
            {
                errors.Add(Error(IssueType.NotSupported, "a vital's value must be a valueQuantity with a value", expression));
                return;
            }
            var reading = new VitalSignReading
            {
                PatientId = patientId ?? string.Empty,
                DeviceId = deviceId ?? string.Empty,
                ObservedAt = observedAt,
                Code = new VitalCode { Loinc = loinc ?? string.Empty, Mdc = mdc ?? string.Empty },
                Value = (double)number,
                Unit = Unit(quantity),
            };
            DerivedIdentity.Assign(reading, catalogue);
            values.Add(new ObservedValue(reading, expression));
        }
    }

    /// <summary>
    /// The LOINC code, and the MDC code as a reference name: of several codings of a system the first the catalogue
    /// knows, else the first. An MDC code the catalogue does not know is dropped beside a LOINC code; known, it must agree with it.
    /// </summary>
    private (string? Loinc, string? Mdc) Codes(CodeableConcept? concept)
    {
        var loinc = Pick(concept, LoincSystem, code => code, code => catalogue.TryFind(code, null, out _));
        var mdc = Pick(concept, MdcSystem, code => MdcReferenceNames.GetValueOrDefault(code, code), code => catalogue.TryFind(null, code, out _));
        if (loinc is not null && mdc is not null && !catalogue.TryFind(null, mdc, out _))
        {
            mdc = null;
        }
        return (loinc, mdc);
    }

    private static string? Pick(CodeableConcept? concept, string system, Func<string, string> normalise, Func<string, bool> known)
    {
        var codes = concept?.Coding.Where(c => c.System == system && !string.IsNullOrWhiteSpace(c.Code)).Select(c => normalise(c.Code!.Trim())).ToList() ?? [];
        return codes.FirstOrDefault(known) ?? codes.FirstOrDefault();
    }

    private static string Describe(CodeableConcept? concept) =>
        concept?.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Code)) is { } coding ? $"{coding.System}|{coding.Code}" : "no code";

    /// <summary>The UCUM code when the quantity says it is one; otherwise its unit (or code) through the local spellings.</summary>
    private static string Unit(Quantity quantity) =>
        quantity.System == UcumSystem && !string.IsNullOrWhiteSpace(quantity.Code)
            ? quantity.Code
            : UnitSpellings.Ucum(quantity.Unit ?? quantity.Code ?? string.Empty);

    private static string? Identified(ResourceReference? reference, string system, string expression, List<OperationOutcome.IssueComponent> errors)
    {
        var identifier = reference?.Identifier;
        if (identifier is null || string.IsNullOrWhiteSpace(identifier.Value))
        {
            errors.Add(Error(IssueType.Required, $"{expression} must name its target by identifier (identifier.value)", expression));
            return null;
        }
        if (!string.IsNullOrEmpty(identifier.System) && identifier.System != system)
        {
            errors.Add(Error(IssueType.CodeInvalid, $"{expression}.identifier.system must be {system} (or absent)", $"{expression}.identifier.system"));
            return null;
        }
        return identifier.Value;
    }

    /// <summary>effectiveDateTime or effectiveInstant to the second at least, or an effectivePeriod's start.</summary>
    private static Timestamp? ObservedAt(DataType? effective, List<OperationOutcome.IssueComponent> errors)
    {
        var (text, expression) = effective switch
        {
            FhirDateTime dateTime => (dateTime.Value, "Observation.effective"),
            Instant instant => (instant.Value?.ToString("o", CultureInfo.InvariantCulture), "Observation.effective"),
            Period period => (period.Start, "Observation.effective.start"),
            _ => (null, "Observation.effective"),
        };
        // A time of day comes with its offset in FHIR; a date alone does not say when the vital was measured.
        if (text is not null && text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            return Timestamp.FromDateTimeOffset(at);
        }
        errors.Add(Error(IssueType.Required,
            "the Observation needs effectiveDateTime or effectiveInstant with a time of day, or an effectivePeriod with a start", expression));
        return null;
    }
}
