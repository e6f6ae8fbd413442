namespace VitalTwin.TwinState.History;

/// <summary>What both adapters accept, so that switching adapter never changes what a caller may send.</summary>
internal static class HistoryRules
{
    // InfluxDB stores int64 nanoseconds since the epoch; the memory store keeps the same bounds.
    public static readonly DateTimeOffset EarliestTime = new(1677, 9, 22, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LatestTime = new(2262, 4, 11, 0, 0, 0, TimeSpan.Zero);

    private const int MaxIdentifierLength = 1_024;

    public static void ValidatePoints(IReadOnlyList<VitalPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i] ?? throw new InvalidVitalPointException($"Point {i} is null.", nameof(points));
            CheckTagValue(point.PatientId, i, "patient id");
            CheckTagValue(point.Loinc, i, "LOINC code");
            CheckTagValue(point.DeviceId, i, "device id");
            if (point.Unit is null || point.Unit.Any(char.IsControl))
            {
                throw new InvalidVitalPointException($"Point {i} has a missing unit or one with control characters.", nameof(points));
            }

            if (!double.IsFinite(point.Value))
            {
                throw new InvalidVitalPointException($"Point {i} has a value that is not a finite number.", nameof(points));
            }

            if (point.ObservedAt < EarliestTime || point.ObservedAt >= LatestTime)
            {
                throw new InvalidVitalPointException($"Point {i} is observed outside {EarliestTime:yyyy-MM-dd}..{LatestTime:yyyy-MM-dd}.", nameof(points));
            }
        }
    }

    /// <summary>Checks <paramref name="query"/> and returns its LOINC codes without duplicates.</summary>
    public static IReadOnlyList<string> ValidateQuery(HistoryQuery query, HistoryOptions limits)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!IsValidIdentifier(query.PatientId))
        {
            throw new InvalidHistoryQueryException("The patient id must be non-empty, at most 1024 characters, without control characters and not end with a backslash.", nameof(query.PatientId));
        }

        if (query.Loincs is null)
        {
            throw new InvalidHistoryQueryException("Loincs must be a list; pass an empty one to read every vital.", nameof(query.Loincs));
        }

        var loincs = query.Loincs.Distinct(StringComparer.Ordinal).ToArray();
        if (loincs.Length > limits.MaxVitalsPerQuery)
        {
            throw new InvalidHistoryQueryException($"A query may name at most {limits.MaxVitalsPerQuery} LOINC codes; this one names {loincs.Length}.", nameof(query.Loincs));
        }

        if (!loincs.All(IsValidIdentifier))
        {
            throw new InvalidHistoryQueryException("Every LOINC code must be non-empty, at most 1024 characters, without control characters and not end with a backslash.", nameof(query.Loincs));
        }

        if (query.From >= query.To)
        {
            throw new InvalidHistoryQueryException("From must be earlier than To.", nameof(query.From));
        }

        if (query.From < EarliestTime || query.To > LatestTime)
        {
            throw new InvalidHistoryQueryException($"From and To must lie within {EarliestTime:yyyy-MM-dd}..{LatestTime:yyyy-MM-dd}.", nameof(query.From));
        }

        var range = query.To - query.From;
        if (range > limits.MaxQueryRange)
        {
            throw new InvalidHistoryQueryException($"The range {range} is longer than the maximum of {limits.MaxQueryRange}; query a shorter range.", nameof(query.To));
        }

        if (query.Window is { } window)
        {
            if (window <= TimeSpan.Zero)
            {
                throw new InvalidHistoryQueryException("Window must be positive, or null for raw readings.", nameof(query.Window));
            }

            var windows = WindowsCovering(query.From, query.To, window);
            if (windows > limits.MaxPointsPerQuery)
            {
                throw new InvalidHistoryQueryException($"A window of {window} over {range} gives {windows} windows per vital, more than the maximum of {limits.MaxPointsPerQuery}; use a wider window or a shorter range.", nameof(query.Window));
            }
        }

        return loincs;
    }

    public static void ValidatePatientId(string? patientId)
    {
        if (!IsValidIdentifier(patientId))
        {
            throw new InvalidHistoryQueryException("The patient id must be non-empty, at most 1024 characters, without control characters and not end with a backslash.", nameof(patientId));
        }
    }

    public static InvalidHistoryQueryException TooManyPoints(int maxPoints) =>
        new($"The query matches more than {maxPoints} points; query a shorter range, fewer vitals or use a window.");

    /// <summary>Start of the epoch-aligned window holding <paramref name="time"/>, as InfluxQL's GROUP BY time() aligns it.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset time, TimeSpan window)
    {
        var sinceEpoch = (time - DateTimeOffset.UnixEpoch).Ticks;
        var remainder = sinceEpoch % window.Ticks;
        if (remainder < 0)
        {
            remainder += window.Ticks;
        }

        return DateTimeOffset.UnixEpoch.AddTicks(sinceEpoch - remainder);
    }

    private static long WindowsCovering(DateTimeOffset from, DateTimeOffset to, TimeSpan window)
    {
        var first = WindowStart(from, window);
        var last = WindowStart(to.AddTicks(-1), window);
        return ((last - first).Ticks / window.Ticks) + 1;
    }

    private static void CheckTagValue(string? value, int index, string what)
    {
        if (!IsValidIdentifier(value))
        {
            throw new InvalidVitalPointException($"Point {index} has a {what} that is empty, longer than 1024 characters, has control characters or ends with a backslash.", "points");
        }
    }

    // Line protocol can escape commas, spaces and equals signs in tag values but not a trailing backslash,
    // and not line breaks at all.
    private static bool IsValidIdentifier(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && value.Length <= MaxIdentifierLength
        && !value.Any(char.IsControl)
        && value[^1] != '\\';
}
