using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// One token bucket per device id, so a device flooding the Gateway is refused while the others go on. Buckets
/// are refilled continuously by the partitioned limiter's own timer and dropped after being full (idle) for a few
/// seconds, so only recently active devices take memory. The limiter runs on the real clock: its replenishment
/// takes no <see cref="TimeProvider"/>.
/// </summary>
internal sealed class DeviceRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public DeviceRateLimiter(IOptions<DeviceRateLimitOptions> options)
    {
        var limit = options.Value;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = limit.ReadingsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            // The partitioned limiter replenishes every bucket from one timer, by the time elapsed.
            AutoReplenishment = false,
            // A reading over the limit is refused at once, never held: the device resends it later.
            QueueLimit = 0,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(
            deviceId => RateLimitPartition.GetTokenBucketLimiter(deviceId, _ => bucket),
            StringComparer.Ordinal);
    }

    /// <summary>Takes one token from <paramref name="deviceId"/>'s bucket; false when it is empty.</summary>
    public bool TryTake(string deviceId)
    {
        using var lease = _limiter.AttemptAcquire(deviceId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
