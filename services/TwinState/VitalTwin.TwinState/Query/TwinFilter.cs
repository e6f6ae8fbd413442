using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Query;

/// <summary>Which twins a ListTwins or WatchTwins call wants; every condition given must hold.</summary>
/// <param name="Wards">The wards the caller may see; null when every ward. A twin with no ward recorded is on none of them.</param>
internal sealed record TwinFilter(string? Ward, int MinNews2, bool WithOpenAnomalies, IReadOnlySet<string>? PatientIds, IReadOnlySet<string>? Wards = null)
{
    private const int ScanBatch = 256;

    public bool Matches(TwinSnapshot twin) =>
        (Ward is null || string.Equals(twin.Context.Ward, Ward, StringComparison.Ordinal))
        && (Wards is null || (twin.Context.Ward is { } ward && Wards.Contains(ward)))
        && twin.News2.Total >= MinNews2
        && (!WithOpenAnomalies || twin.OpenAnomalies.Count > 0)
        && (PatientIds is null || PatientIds.Contains(twin.PatientId));

    /// <summary>Matching twins ordered by patient id, after <paramref name="afterPatientId"/>; lazy, so taking a page scans no further.</summary>
    /// <param name="wanted">How many the caller will take at most: the registry is read in batches of that size when it filters alone.</param>
    public IEnumerable<TwinSnapshot> Scan(TwinRegistry twins, string? afterPatientId, int wanted)
    {
        if (PatientIds is not null)
        {
            foreach (var patientId in PatientIds.Order(StringComparer.Ordinal))
            {
                if ((afterPatientId is null || string.CompareOrdinal(patientId, afterPatientId) > 0)
                    && twins.TryGet(patientId, out var twin)
                    && twin!.Snapshot() is var snapshot
                    && Matches(snapshot))
                {
                    yield return snapshot;
                }
            }

            yield break;
        }

        // The registry filters by ward itself; other conditions need each twin's snapshot, so read more at a time.
        var batch = MinNews2 > 0 || WithOpenAnomalies || (Wards is not null && Ward is null) ? Math.Max(wanted, ScanBatch) : wanted;
        var cursor = afterPatientId;
        while (true)
        {
            var page = twins.Page(cursor, batch, Ward);
            foreach (var twin in page)
            {
                if (Matches(twin))
                {
                    yield return twin;
                }
            }

            if (page.Count < batch)
            {
                yield break;
            }

            cursor = page[^1].PatientId;
        }
    }
}
