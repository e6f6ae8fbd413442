namespace VitalTwin.TwinState.WhatIf;

/// <summary>SimulateSettings' log lines: counts and durations, never a patient id or value.</summary>
internal static partial class SettingsSimulationLog
{
    [LoggerMessage(LogLevel.Debug, "Settings simulation replayed {Readings} readings in {Milliseconds} ms: {Disappeared} alerts disappear, {Appeared} appear")]
    public static partial void Simulated(ILogger logger, long readings, double milliseconds, int disappeared, int appeared);

    [LoggerMessage(LogLevel.Warning, "A settings simulation was refused: this replica already runs {Max}")]
    public static partial void Refused(ILogger logger, int max);

    [LoggerMessage(LogLevel.Warning, "A settings simulation ran past its time bound of {Timeout} and was stopped")]
    public static partial void TimedOut(ILogger logger, TimeSpan timeout);

    // The type only: a store's error text can quote the query, patient id included.
    [LoggerMessage(LogLevel.Warning, "A settings simulation could not read history ({ErrorType})")]
    public static partial void HistoryUnavailable(ILogger logger, string errorType);
}
