using System.Collections.Concurrent;

namespace VitalTwin.TwinState.Core;

/// <summary>The twins of the patients whose partitions this instance owns.</summary>
public sealed class TwinRegistry
{
    private readonly ConcurrentDictionary<string, PatientTwin> _twins = new(StringComparer.Ordinal);

    public int Count => _twins.Count;

    public PatientTwin GetOrCreate(string patientId) => _twins.GetOrAdd(patientId, static id => new PatientTwin(id));

    public bool TryGet(string patientId, out PatientTwin? twin) => _twins.TryGetValue(patientId, out twin);

    /// <summary>Twins ordered by patient id, starting after <paramref name="afterPatientId"/>, for stable paging.</summary>
    public IReadOnlyList<TwinSnapshot> Page(string? afterPatientId, int pageSize) =>
        _twins.Keys
            .Where(id => afterPatientId is null || string.CompareOrdinal(id, afterPatientId) > 0)
            .Order(StringComparer.Ordinal)
            .Take(pageSize)
            .Select(id => _twins[id].Snapshot())
            .ToList();
}
