namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// The roles a caller's bearer token can carry (claim <c>role</c>). A role says what kind of access; a
/// clinician's ward grants (claim <c>ward</c>) say whose data.
/// </summary>
public static class Roles
{
    /// <summary>Reads the twins and history of patients on the wards granted; acknowledges, silences and resolves their alerts.</summary>
    public const string Clinician = "clinician";

    /// <summary>Runs the services: health and metrics; never patient data.</summary>
    public const string Operator = "operator";

    /// <summary>A downstream hospital system: reads the alert stream.</summary>
    public const string Integration = "integration";

    /// <summary>The hospital's registration system: binds and revokes devices, records consent.</summary>
    public const string Registrar = "registrar";

    /// <summary>
    /// A system that posts readings for devices (a FHIR client of an EHR or a device hub): it may send for the devices
    /// registered with its token's subject as their ingest system, and for no other.
    /// </summary>
    public const string Ingest = "ingest";
}
