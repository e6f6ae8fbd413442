using Microsoft.Extensions.Logging;

namespace VitalTwin.Export;

/// <summary>Counts, times and paths only: never a patient id, pseudonym, value or the key.</summary>
internal static partial class ExportLog
{
    [LoggerMessage(1, LogLevel.Information, "Consent topic read: {PatientsWithRecord} patients have a consent record, {ResearchConsented} of them allow research ({Partitions} partitions)")]
    public static partial void ConsentRead(ILogger logger, int patientsWithRecord, int researchConsented, int partitions);

    [LoggerMessage(2, LogLevel.Information, "Exporting {Patients} patients' vitals observed {From:O} to {To:O} to {Directory}, key id {KeyId}")]
    public static partial void Started(ILogger logger, int patients, DateTimeOffset from, DateTimeOffset to, string directory, string keyId);

    [LoggerMessage(3, LogLevel.Information, "Progress: {Done}/{Total} patients, {Readings} readings written")]
    public static partial void Progress(ILogger logger, int done, int total, long readings);

    [LoggerMessage(4, LogLevel.Information, "Export complete: {Patients} patients with readings, {Readings} readings, {Bytes} bytes in {ElapsedSeconds:F1} s")]
    public static partial void Completed(ILogger logger, int patients, long readings, long bytes, double elapsedSeconds);

    [LoggerMessage(6, LogLevel.Debug, "Kafka client ({KafkaLevel}): {Message}")]
    public static partial void KafkaClient(ILogger logger, Confluent.Kafka.SyslogLevel kafkaLevel, string message);

    [LoggerMessage(5, LogLevel.Warning, "Export refused: {Patients} patients with readings, fewer than Export:MinimumPatients ({Minimum})")]
    public static partial void TooFewPatients(ILogger logger, int patients, int minimum);
}
