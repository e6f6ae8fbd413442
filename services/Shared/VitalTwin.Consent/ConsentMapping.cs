using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Consent.V1;

namespace VitalTwin.Consent;

/// <summary>The contract's consent states and the domain's consent statuses, both ways.</summary>
public static class ConsentMapping
{
    /// <summary>The status a recorded state stands for; null for a state that records nothing (unspecified or unknown).</summary>
    public static ConsentStatus? ToStatus(ConsentState state) => state switch
    {
        ConsentState.Monitoring => ConsentStatus.Monitoring,
        ConsentState.Refused => ConsentStatus.Refused,
        ConsentState.Withdrawn => ConsentStatus.Withdrawn,
        _ => null,
    };

    /// <exception cref="InvalidOperationException">The consent is <see cref="ConsentStatus.Unreadable"/>, which no record can say.</exception>
    public static ConsentRecorded ToContract(this PatientConsent consent)
    {
        ArgumentNullException.ThrowIfNull(consent);
        return new()
        {
            PatientId = consent.PatientId,
            State = consent.Status switch
            {
                ConsentStatus.Monitoring => ConsentState.Monitoring,
                ConsentStatus.Refused => ConsentState.Refused,
                ConsentStatus.Withdrawn => ConsentState.Withdrawn,
                _ => throw new InvalidOperationException($"Consent status {consent.Status} has no place in the contract"),
            },
            ResearchAllowed = consent.ResearchAllowed,
            RecordedAt = Timestamp.FromDateTimeOffset(consent.RecordedAt),
            RecordedBy = consent.RecordedBy,
            Reference = consent.Reference,
        };
    }
}
