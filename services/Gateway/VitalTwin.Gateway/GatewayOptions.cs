using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Gateway;

internal sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Readings stamped further ahead than this are refused: the device clock is wrong.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Readings older than this are refused; raise it to replay recordings.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan MaxReadingAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the devices of patients whose consent was refused or withdrawn are looked for and unbound.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeviceErasureInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>Largest gRPC request message (a batch, one message of a stream, a registration); gRPC refuses a larger one unread.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Longest patient or device id, in characters (a FHIR resource id has at most 64).</summary>
    [Range(8, 1_024)]
    public int MaxIdLength { get; set; } = 64;

    /// <summary>Largest reading as encoded; a larger one (long strings, many flags, unknown fields) is malformed.</summary>
    [Range(256, 64 * 1024)]
    public int MaxReadingBytes { get; set; } = 1_024;

    /// <summary>
    /// Batches one IngestStream call may carry. With <see cref="MaxStreamReadings"/> it bounds what a call holds
    /// until its end: the acknowledgement lists every refused reading.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxStreamBatches { get; set; } = 10_000;

    /// <summary>Readings one IngestStream call may carry; the default keeps the worst-case acknowledgement under gRPC's default 4 MiB.</summary>
    [Range(1, 10_000_000)]
    public int MaxStreamReadings { get; set; } = 10_000;

    /// <summary>How long an IngestStream call may stay open: a device is acknowledged only when it completes the call.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(10);
}
