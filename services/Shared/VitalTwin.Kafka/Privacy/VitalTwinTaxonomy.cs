using Microsoft.Extensions.Compliance.Classification;

namespace VitalTwin.Privacy;

/// <summary>
/// What VitalTwin's logs must never show in clear. A <c>[LoggerMessage]</c> parameter carrying such data is marked
/// with one of the attributes below, and the service defaults' redaction replaces it before any log provider sees
/// it. It sits in the Kafka library because that is the lowest shared library every service has and the first one
/// that logs a patient's id.
/// </summary>
public static class VitalTwinTaxonomy
{
    public const string Name = "VitalTwin";

    /// <summary>A patient's id: every topic's key, every twin's name.</summary>
    public static DataClassification PatientIdentifier { get; } = new(Name, nameof(PatientIdentifier));

    /// <summary>A device's id, which identifies its patient as long as it is bound to one.</summary>
    public static DataClassification DeviceIdentifier { get; } = new(Name, nameof(DeviceIdentifier));

    /// <summary>A measured vital value, a score or anything else read from a patient.</summary>
    public static DataClassification ClinicalValue { get; } = new(Name, nameof(ClinicalValue));

    /// <summary>
    /// Every classification above, one set each, for a redactor that covers them all (one set of three would name only
    /// data carrying all three at once).
    /// </summary>
    public static IReadOnlyList<DataClassificationSet> All { get; } = [new(PatientIdentifier), new(DeviceIdentifier), new(ClinicalValue)];
}

/// <summary>The parameter is a patient id.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.ReturnValue)]
public sealed class PatientIdentifierAttribute() : DataClassificationAttribute(VitalTwinTaxonomy.PatientIdentifier);

/// <summary>The parameter is a device id.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.ReturnValue)]
public sealed class DeviceIdentifierAttribute() : DataClassificationAttribute(VitalTwinTaxonomy.DeviceIdentifier);

/// <summary>The parameter is a clinical value (a vital sign, a score).</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.ReturnValue)]
public sealed class ClinicalValueAttribute() : DataClassificationAttribute(VitalTwinTaxonomy.ClinicalValue);
