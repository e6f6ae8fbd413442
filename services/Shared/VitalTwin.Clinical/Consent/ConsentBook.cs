using System.Collections.Concurrent;

namespace VitalTwin.Clinical.Consent;

/// <summary>
/// The latest consent of every patient who has one, and the decision whether a patient's data may be processed.
/// Records are applied in the order they were published, so the last one applied is the patient's consent, as on
/// the compacted consent topic. Thread-safe; a lookup takes no lock, because every reading asks.
/// </summary>
public sealed class ConsentBook(WithoutConsentRecord withoutRecord)
{
    private readonly ConcurrentDictionary<string, PatientConsent> _latest = new(StringComparer.Ordinal);

    public WithoutConsentRecord WithoutRecord { get; } = withoutRecord;

    /// <summary>Patients with a consent record.</summary>
    public int Count => _latest.Count;

    /// <summary>Makes <paramref name="consent"/> the patient's consent, replacing any earlier record.</summary>
    public void Apply(PatientConsent consent)
    {
        ArgumentNullException.ThrowIfNull(consent);
        ArgumentException.ThrowIfNullOrEmpty(consent.PatientId);
        _latest[consent.PatientId] = consent;
    }

    /// <summary>
    /// Forgets the patient's record because its key was deleted from the topic, but only a record that allowed
    /// monitoring: a deletion grants nothing, so a refusal, a withdrawal or an unreadable record stays in force until
    /// a monitoring record replaces it. Without a record the deployment's default applies.
    /// </summary>
    public void Forget(string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        if (_latest.TryGetValue(patientId, out var consent) && consent.AllowsMonitoring)
        {
            // Removes that record only, should a refusal have replaced it meanwhile.
            _latest.TryRemove(new KeyValuePair<string, PatientConsent>(patientId, consent));
        }
    }

    /// <summary>The patient's latest consent; null when none was recorded.</summary>
    public PatientConsent? Find(string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        return _latest.TryGetValue(patientId, out var consent) ? consent : null;
    }

    /// <summary>Whether the patient's data may be processed and stored now.</summary>
    public bool MayProcess(string patientId) => MayProcess(Find(patientId), WithoutRecord);

    /// <summary>
    /// The rule: a record decides (only monitoring consent allows processing); without one, the deployment's
    /// default does.
    /// </summary>
    public static bool MayProcess(PatientConsent? consent, WithoutConsentRecord withoutRecord) =>
        consent?.AllowsMonitoring ?? withoutRecord == WithoutConsentRecord.Monitor;
}
