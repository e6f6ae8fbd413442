namespace VitalTwin.Clinical.Consent;

/// <summary>The latest consent recorded for a patient.</summary>
/// <param name="ResearchAllowed">Population analytics and research may use the patient's data; only ever with <see cref="ConsentStatus.Monitoring"/>.</param>
/// <param name="RecordedBy">Who recorded it (the subject of the registrar's token).</param>
/// <param name="Reference">The hospital's consent document or form, if any.</param>
public sealed record PatientConsent(
    string PatientId,
    ConsentStatus Status,
    bool ResearchAllowed,
    DateTimeOffset RecordedAt,
    string RecordedBy,
    string Reference)
{
    public bool AllowsMonitoring => Status == ConsentStatus.Monitoring;

    /// <summary>What stands for a record that could not be read: no consent, with nothing else known.</summary>
    public static PatientConsent Unreadable(string patientId, DateTimeOffset recordedAt) =>
        new(patientId, ConsentStatus.Unreadable, ResearchAllowed: false, recordedAt, RecordedBy: string.Empty, Reference: string.Empty);
}
