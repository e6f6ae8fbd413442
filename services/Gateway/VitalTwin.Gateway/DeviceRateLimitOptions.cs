using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Gateway;

/// <summary>
/// The token bucket each device's readings pass through. There is deliberately no "off": an absent section means
/// the defaults, and zero fails validation at start, so a typo cannot silently remove the protection.
/// </summary>
internal sealed class DeviceRateLimitOptions
{
    public const string SectionName = "Gateway:DeviceRateLimit";

    /// <summary>Sustained readings a second a device may send; a vital sign every 5 ms is far beyond any monitor.</summary>
    [Range(1, 1_000_000)]
    public int ReadingsPerSecond { get; set; } = 200;

    /// <summary>Readings a device may send at once after a quiet spell (the bucket's size), e.g. a backlog after a reconnection.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 2_000;
}
