using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core;

/// <summary>Where a reading went: the patient its device was bound to when it was observed and what it did there, or nobody.</summary>
public readonly record struct ReadingAttribution(string? PatientId, TwinChange? Change)
{
    public static ReadingAttribution Unattributed => default;

    [MemberNotNullWhen(true, nameof(PatientId), nameof(Change))]
    public bool IsAttributed => PatientId is not null;
}

/// <summary>A twin that changed when its clock moved, and the vitals of it that turned stale.</summary>
/// <param name="News2Change">How NEWS2 changed with the clock, to be announced like a change a reading made; null when it did not.</param>
public readonly record struct RefreshedTwin(string PatientId, IReadOnlyList<StalenessChange> Staleness, TwinChange? News2Change = null);

/// <summary>The twins of the patients whose partitions this instance owns, and the device bindings that route readings to them.</summary>
public sealed class TwinRegistry
{
    private readonly ConcurrentDictionary<string, PatientTwin> _twins = new(StringComparer.Ordinal);

    public TwinRegistry(TwinSettings? settings = null)
    {
        Settings = settings ?? TwinSettings.Default;
        Settings.Validate();
    }

    public TwinSettings Settings { get; }

    public DeviceBindings Bindings { get; } = new();

    public int Count => _twins.Count;

    public PatientTwin GetOrCreate(string patientId) => _twins.GetOrAdd(patientId, static (id, settings) => new PatientTwin(id, settings), Settings);

    public bool TryGet(string patientId, out PatientTwin? twin) => _twins.TryGetValue(patientId, out twin);

    /// <summary>
    /// Applies a reading to the twin of the patient its device was bound to at the reading's observed time.
    /// A reading from a device bound to nobody then is not applied and comes back unattributed.
    /// </summary>
    public ReadingAttribution Apply(VitalObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return Bindings.TryResolve(observation.DeviceId, observation.ObservedAt, out var patientId)
            ? new ReadingAttribution(patientId, GetOrCreate(patientId).Apply(observation))
            : ReadingAttribution.Unattributed;
    }

    /// <summary>Puts a twin restored from its snapshot in place of any twin the registry had for that patient.</summary>
    public PatientTwin Restore(TwinSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var twin = PatientTwin.Restore(snapshot, Settings);
        _twins[snapshot.PatientId] = twin;
        return twin;
    }

    /// <summary>Forgets a twin, e.g. when its partition is assigned elsewhere.</summary>
    public bool Remove(string patientId) => _twins.TryRemove(patientId, out _);

    /// <summary>
    /// Refreshes every twin's staleness at <paramref name="now"/>; returns the twins that changed, ordered by patient
    /// id, each with the vitals that turned stale.
    /// </summary>
    public IReadOnlyList<RefreshedTwin> RefreshStaleness(DateTimeOffset now)
    {
        var refreshed = new List<RefreshedTwin>();
        foreach (var (patientId, twin) in _twins)
        {
            if (twin.RefreshStaleness(now) is { Changed: true } refresh)
            {
                refreshed.Add(new RefreshedTwin(patientId, refresh.Staleness, refresh.News2Change));
            }
        }

        refreshed.Sort((a, b) => string.CompareOrdinal(a.PatientId, b.PatientId));
        return refreshed;
    }

    /// <summary>
    /// Refreshes the staleness of the twins of <paramref name="patientIds"/> (those the registry has) at
    /// <paramref name="now"/>: one partition's twins when that partition's event time moves. Returns the twins that
    /// changed, ordered by patient id, each with the vitals that turned stale.
    /// </summary>
    public IReadOnlyList<RefreshedTwin> RefreshStaleness(IEnumerable<string> patientIds, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(patientIds);
        var refreshed = new List<RefreshedTwin>();
        foreach (var patientId in patientIds)
        {
            if (_twins.TryGetValue(patientId, out var twin) && twin.RefreshStaleness(now) is { Changed: true } refresh)
            {
                refreshed.Add(new RefreshedTwin(patientId, refresh.Staleness, refresh.News2Change));
            }
        }

        refreshed.Sort((a, b) => string.CompareOrdinal(a.PatientId, b.PatientId));
        return refreshed;
    }

    /// <summary>
    /// Twins ordered by patient id, starting after <paramref name="afterPatientId"/>, for stable paging; only those on
    /// <paramref name="ward"/> when one is given.
    /// </summary>
    public IReadOnlyList<TwinSnapshot> Page(string? afterPatientId, int pageSize, string? ward = null) =>
        _twins
            .Where(t => afterPatientId is null || string.CompareOrdinal(t.Key, afterPatientId) > 0)
            .Where(t => ward is null || string.Equals(t.Value.Context.Ward, ward, StringComparison.Ordinal))
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Take(pageSize)
            .Select(t => t.Value.Snapshot())
            .ToList();
}
