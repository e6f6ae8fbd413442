using Grpc.Core;
using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.TwinState.Query;

namespace VitalTwin.TwinState.Consent;

/// <summary>
/// Checks ConsentRegistry requests; anything malformed is refused with INVALID_ARGUMENT naming the field. Patient
/// ids follow TwinQuery's rule, and are bounded like its labels: a consent is a Kafka key. Messages never quote an id.
/// </summary>
internal static class ConsentRequests
{
    public static string PatientId(string patientId, TwinQueryOptions options)
    {
        TwinRequests.PatientId(patientId);
        return Bounded(patientId, "patient_id", options);
    }

    public static ConsentStatus Status(RecordConsentRequest request)
    {
        var status = request.State switch
        {
            ConsentState.Monitoring => ConsentStatus.Monitoring,
            ConsentState.Refused => ConsentStatus.Refused,
            ConsentState.Withdrawn => ConsentStatus.Withdrawn,
            ConsentState.Unspecified => throw TwinRequests.Invalid("state is required"),
            _ => throw TwinRequests.Invalid("state is not a known consent state"),
        };
        if (request.ResearchAllowed && status != ConsentStatus.Monitoring)
        {
            throw TwinRequests.Invalid("research_allowed needs state MONITORING: without monitoring there is no data to use");
        }
        return status;
    }

    public static string Reference(string reference, TwinQueryOptions options) =>
        reference.Length == 0 ? reference : Bounded(reference, "reference", options);

    private static string Bounded(string value, string field, TwinQueryOptions options) =>
        value.Length > options.MaxLabelLength || value.Any(char.IsControl)
            ? throw TwinRequests.Invalid($"{field} must be at most {options.MaxLabelLength} characters without control characters")
            : value;
}
