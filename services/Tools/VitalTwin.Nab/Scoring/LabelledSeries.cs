namespace VitalTwin.Nab.Scoring;

/// <summary>One NAB data file as the scorer sees it: its length and its anomaly windows in rows.</summary>
public sealed class LabelledSeries
{
    /// <param name="name">The file's path relative to the data folder, e.g. <c>realTraffic/speed_7578.csv</c>.</param>
    /// <param name="rowCount">Number of data rows.</param>
    /// <param name="windows">Windows in time order, disjoint and inside the file.</param>
    public LabelledSeries(string name, int rowCount, IReadOnlyList<LabelWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        int previousEnd = -1;
        foreach (var window in windows)
        {
            if (window.Start <= previousEnd || window.End < window.Start || window.End >= rowCount)
            {
                throw new ArgumentException($"{name}: window [{window.Start}, {window.End}] is out of order, empty or outside the {rowCount} rows.", nameof(windows));
            }

            previousEnd = window.End;
        }

        Name = name;
        RowCount = rowCount;
        Windows = windows;
    }

    public string Name { get; }

    public int RowCount { get; }

    public IReadOnlyList<LabelWindow> Windows { get; }

    /// <summary>Rows before this index are NAB's probationary period and are not scored.</summary>
    public int ProbationaryLength => NabScorer.ProbationaryLength(RowCount);

    /// <summary>
    /// Maps windows given as timestamps onto rows. Like NAB's labeler, every window edge must be a timestamp of the file;
    /// windows are applied as stored (combined_windows.json already holds the final windows), not re-derived from labels.
    /// </summary>
    public static LabelledSeries FromTimestamps(string name, IReadOnlyList<DateTime> timestamps, IEnumerable<(DateTime Start, DateTime End)> windows)
    {
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentNullException.ThrowIfNull(windows);
        var rowOf = new Dictionary<DateTime, int>(timestamps.Count);
        for (int i = 0; i < timestamps.Count; i++)
        {
            rowOf.TryAdd(timestamps[i], i);
        }

        int RowOf(DateTime t) => rowOf.TryGetValue(t, out int row)
            ? row
            : throw new InvalidDataException($"{name}: window edge {t:yyyy-MM-dd HH:mm:ss} is not a timestamp of the file.");

        var rows = windows.Select(w => new LabelWindow(RowOf(w.Start), RowOf(w.End))).ToList();
        return new LabelledSeries(name, timestamps.Count, rows);
    }
}
