using Microsoft.Extensions.Logging;

namespace VitalTwin.TwinState.History;

internal static partial class HistoryLog
{
    [LoggerMessage(1, LogLevel.Information, "Vitals history is kept in InfluxDB at {Endpoint}, bucket {Bucket}")]
    public static partial void InfluxStoreSelected(ILogger logger, string endpoint, string bucket);

    [LoggerMessage(2, LogLevel.Information, "Vitals history is kept in memory, at most {MaxPointsPerSeries} readings per patient and vital")]
    public static partial void MemoryStoreSelected(ILogger logger, int maxPointsPerSeries);

    [LoggerMessage(3, LogLevel.Debug, "Wrote {PointCount} vitals to InfluxDB in {ElapsedMs:F1} ms")]
    public static partial void BatchWritten(ILogger logger, int pointCount, double elapsedMs);

    [LoggerMessage(4, LogLevel.Debug, "History query returned {SeriesCount} series, {PointCount} points in {ElapsedMs:F1} ms")]
    public static partial void QueryAnswered(ILogger logger, int seriesCount, int pointCount, double elapsedMs);

    [LoggerMessage(5, LogLevel.Debug, "Deleted a patient's history from InfluxDB in {ElapsedMs:F1} ms")]
    public static partial void PatientDeleted(ILogger logger, double elapsedMs);
}
