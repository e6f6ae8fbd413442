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

    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 1_000;
}
