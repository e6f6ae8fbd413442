namespace VitalTwin.Consent;

/// <summary>
/// The erasures a consumer's partition still owes after refusals and withdrawals, each with the offset of the consent
/// record that asked for it. While one is owed, the consent offset the consumer may store stops at that record, so a
/// restart, or the partition's next owner, reads it again and erases again: a withdrawal is never committed unhonoured.
/// </summary>
public sealed class OwedErasures
{
    private readonly Dictionary<string, long> _owed = new(StringComparer.Ordinal);

    public int Count => _owed.Count;

    /// <summary>A copy, so that an erasure can be settled while the list is walked.</summary>
    public IReadOnlyList<string> Patients => [.. _owed.Keys];

    /// <summary>Owes the patient's erasure since the consent record at <paramref name="consentOffset"/> (the first such record counts).</summary>
    public void Add(string patientId, long consentOffset) => _owed.TryAdd(patientId, consentOffset);

    public void Settle(string patientId) => _owed.Remove(patientId);

    /// <summary>The consent offset that may be stored when <paramref name="next"/> is the next one to read.</summary>
    public long StorableOffset(long next) => _owed.Count > 0 ? Math.Min(next, _owed.Values.Min()) : next;
}
