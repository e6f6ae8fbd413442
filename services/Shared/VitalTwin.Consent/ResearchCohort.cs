using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Consent;

/// <summary>
/// Who the pseudonymised population export may include: a patient whose latest consent record, read as every service
/// reads it (<see cref="ConsentRecords"/>), is MONITORING with research allowed. Anything else that comes last for a
/// key (REFUSED, WITHDRAWN, research not allowed, an unreadable record) excludes the patient: research use is opt-in,
/// so doubt counts as no. Not thread-safe: fill it from one reader, then ask it.
/// </summary>
public sealed class ResearchCohort
{
    private readonly Dictionary<string, PatientConsent> _latest = new(StringComparer.Ordinal);

    /// <summary>Patients with a consent record (a tombstone removes the record).</summary>
    public int PatientsWithRecord => _latest.Count;

    /// <summary>The patients who may be exported, in no meaningful order.</summary>
    public IReadOnlyList<string> ResearchConsented => [.. _latest.Where(entry => AllowsResearch(entry.Value)).Select(entry => entry.Key)];

    /// <summary>The rule: only a monitoring consent that allows research does; no record never does.</summary>
    public static bool AllowsResearch(PatientConsent? consent) => consent is { Status: ConsentStatus.Monitoring, ResearchAllowed: true };

    /// <summary>Applies the next record of a key, in topic order; records without a key are skipped.</summary>
    public void Apply(ConsumedEvent consumed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        if (string.IsNullOrEmpty(consumed.Key))
        {
            return;
        }

        if (consumed.IsTombstone)
        {
            _latest.Remove(consumed.Key);
            return;
        }

        _latest[consumed.Key] = ConsentRecords.Read(consumed, now);
    }
}
