using System.Collections.Concurrent;

namespace VitalTwin.Notification;

/// <summary>
/// The ward each patient was last reported on by TwinState's twin events, so that an alert can carry it and
/// AlertDesk can show clinicians the alerts of their wards. An anomaly alone says nothing of wards: its alert
/// takes the ward last seen here.
/// </summary>
internal sealed class PatientWards
{
    private readonly ConcurrentDictionary<string, string> _wards = new(StringComparer.Ordinal);

    /// <summary>The patient's ward as of the latest twin event; an empty one means the twin has none recorded.</summary>
    public void Remember(string patientId, string ward)
    {
        if (string.IsNullOrEmpty(ward))
        {
            _wards.TryRemove(patientId, out _);
        }
        else
        {
            _wards[patientId] = ward;
        }
    }

    /// <summary>Only where no twin event has said otherwise yet (an alert read back after a restart).</summary>
    public void RememberIfUnknown(string patientId, string ward)
    {
        if (!string.IsNullOrEmpty(ward))
        {
            _wards.TryAdd(patientId, ward);
        }
    }

    /// <summary>The ward last seen; empty when none is known.</summary>
    public string Of(string patientId) => _wards.TryGetValue(patientId, out var ward) ? ward : string.Empty;

    public void Forget(IEnumerable<string> patientIds)
    {
        foreach (var patientId in patientIds)
        {
            _wards.TryRemove(patientId, out _);
        }
    }
}
