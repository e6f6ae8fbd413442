namespace VitalTwin.Load.Generation;

/// <summary>
/// Paces a sender to <c>ratePerSecond</c> tokens on average. A taker may run into debt and then waits it
/// off, so the long-run rate is exact however coarse the timer; after a stall at most <c>burst</c> tokens
/// are free at once, so a sender that fell behind does not flood the receiver to catch up.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private readonly TimeProvider _clock;
    private double _tokens;
    private long _lastRefill;

    public TokenBucket(double ratePerSecond, double burst, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentNullException.ThrowIfNull(clock);
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _clock = clock;
        _tokens = burst;
        _lastRefill = clock.GetTimestamp();
    }

    /// <summary>Takes <paramref name="tokens"/> now and says how long the taker must wait before using them.</summary>
    public TimeSpan Take(double tokens)
    {
        var now = _clock.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_clock.GetElapsedTime(_lastRefill, now).TotalSeconds * _ratePerSecond));
        _lastRefill = now;
        _tokens -= tokens;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _ratePerSecond);
    }

    /// <summary>Takes <paramref name="tokens"/> and waits until they may be used.</summary>
    public async ValueTask WaitAsync(double tokens, CancellationToken cancellationToken)
    {
        var wait = Take(tokens);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _clock, cancellationToken);
        }
    }
}
