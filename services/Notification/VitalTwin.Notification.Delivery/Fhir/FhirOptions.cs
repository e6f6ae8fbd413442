using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Notification.Delivery.Fhir;

/// <summary>How FHIR R4 output refers to the patient, bound from <c>Delivery:Fhir</c>.</summary>
public sealed class FhirOptions
{
    public FhirPatientReference PatientReference { get; set; } = FhirPatientReference.Identifier;

    /// <summary>
    /// The identifier system the hospital's FHIR server knows VitalTwin's patient ids under: usually the system of
    /// the medical record number, e.g. <c>urn:oid:…</c> or <c>https://hospital.example/fhir/mrn</c>.
    /// </summary>
    [Required]
    public string PatientIdentifierSystem { get; set; } = "urn:vitaltwin:patient-id";
}

public enum FhirPatientReference
{
    /// <summary>
    /// <c>Patient?identifier=&lt;system&gt;|&lt;id&gt;</c>, with the identifier as well: a FHIR server resolves it to the
    /// Patient it already holds (a conditional reference in a transaction), so no Patient resource need carry VitalTwin's id.
    /// </summary>
    Identifier,

    /// <summary><c>Patient/&lt;id&gt;</c>: only for a FHIR server whose Patient resources have VitalTwin's patient ids as their ids.</summary>
    Literal,
}
