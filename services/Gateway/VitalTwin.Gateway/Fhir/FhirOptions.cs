using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Gateway.Fhir;

/// <summary>The FHIR R4 front door (<c>Gateway:Fhir</c>): how large a request may be, and which identifier systems name patients and devices.</summary>
internal sealed class FhirOptions
{
    public const string SectionName = "Gateway:Fhir";

    /// <summary>Largest request body; a larger one is refused with 413 before it is parsed.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The system of <c>Observation.subject.identifier</c> whose value is VitalTwin's patient id; an identifier without
    /// a system is taken as this one's, one of another system is refused.
    /// </summary>
    [Required]
    public string PatientIdentifierSystem { get; set; } = "urn:vitaltwin:patient-id";

    /// <summary>The system of <c>Observation.device.identifier</c> whose value is the device id; the same rule as patients.</summary>
    [Required]
    public string DeviceIdentifierSystem { get; set; } = "urn:vitaltwin:device-id";

    /// <summary>
    /// Whether the profile validator is built as the Gateway starts (seconds of CPU, beside the start), or on the first
    /// FHIR request. Off where no FHIR is expected and CPU at start is scarce: the test clusters on one machine.
    /// </summary>
    public bool WarmUp { get; set; } = true;
}
