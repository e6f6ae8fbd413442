using System.Collections.Concurrent;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.PersonalSettings;

/// <summary>
/// Every patient's personal alarm settings as the settings topic last said; a patient without a record has none.
/// Read from any thread; written by the <see cref="AlarmSettingsFollower"/>.
/// </summary>
public sealed class AlarmSettingsBook
{
    private readonly ConcurrentDictionary<string, AlarmSettings> _patients = new(StringComparer.Ordinal);

    /// <summary>The patient's settings as last recorded, expired ones included: judge them with <see cref="AlarmSettings.InForceAt"/>.</summary>
    public AlarmSettings For(string patientId) =>
        _patients.TryGetValue(patientId, out var settings) ? settings : AlarmSettings.None;

    public int Count => _patients.Count;

    /// <summary>Records a patient's settings; an older version than the one held is ignored.</summary>
    public void Apply(string patientId, AlarmSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        ArgumentNullException.ThrowIfNull(settings);
        _patients.AddOrUpdate(patientId, settings, (_, held) => settings.Version >= held.Version ? settings : held);
        Changed?.Invoke(patientId);
    }

    public void Forget(string patientId)
    {
        if (_patients.TryRemove(patientId, out _))
        {
            Changed?.Invoke(patientId);
        }
    }

    /// <summary>Raised after a patient's settings changed, on the follower's thread.</summary>
    public event Action<string>? Changed;
}
