namespace VitalTwin.TwinState.Query;

/// <summary>TwinQuery's log lines: counts and clinicians, never a patient id or value.</summary>
internal static partial class TwinQueryLog
{
    [LoggerMessage(1, LogLevel.Debug, "Twin watch opened; {Watches} open")]
    public static partial void WatchOpened(ILogger logger, int watches);

    [LoggerMessage(2, LogLevel.Debug, "Twin watch closed after {Sent} changes; {Watches} open")]
    public static partial void WatchClosed(ILogger logger, long sent, int watches);

    [LoggerMessage(3, LogLevel.Warning, "Twin watches are all in use ({MaxWatches}); a new one was refused")]
    public static partial void WatchRefused(ILogger logger, int maxWatches);

    [LoggerMessage(4, LogLevel.Warning, "A twin watch fell more than {Backlog} patients behind; it resends every matching twin")]
    public static partial void WatchResynced(ILogger logger, int backlog);

    [LoggerMessage(5, LogLevel.Information, "Patient context recorded by {Subject}")]
    public static partial void ContextRecorded(ILogger logger, string subject);

    [LoggerMessage(6, LogLevel.Information, "Anomaly acknowledged by {Subject}")]
    public static partial void AnomalyAcknowledged(ILogger logger, string subject);

    // The type only: a store's error text can quote the query, patient id included.
    [LoggerMessage(7, LogLevel.Warning, "The vitals history store could not answer a query ({ErrorType})")]
    public static partial void HistoryUnavailable(ILogger logger, string errorType);

    [LoggerMessage(8, LogLevel.Information, "A call to {Method} was refused: the patient or ward is outside the caller's ward grants")]
    public static partial void WardRefused(ILogger logger, string method);

    [LoggerMessage(9, LogLevel.Information, "Personal alarm settings changed by {Subject}")]
    public static partial void AlarmSettingsChanged(ILogger logger, string subject);
}
