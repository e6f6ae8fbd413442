using Grpc.Core;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// Ends a server-streaming call when the caller's token expires. A token is checked once, when the call starts:
/// without this, a watch opened with a token valid for an hour would go on sending patient data long after its
/// holder's access had ended.
/// </summary>
public static class TokenExpiry
{
    /// <summary>The status message of a stream ended by its token's expiry: what the client must do next.</summary>
    public const string ExpiredMessage = "the access token expired; reconnect with a fresh token";

    // System timers cannot wait longer than about 49 days at once; a longer-lived token is waited for in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(7);

    /// <summary>
    /// Runs <paramref name="stream"/> with a token that is cancelled when the caller goes away
    /// (<paramref name="cancellationToken"/>) or when <paramref name="caller"/>'s token expires on
    /// <paramref name="clock"/>. Returns when the caller went away; a stream whose token expired, or that carries
    /// no expiry, ends in UNAUTHENTICATED.
    /// </summary>
    /// <exception cref="RpcException">UNAUTHENTICATED: the token expired before or during the stream (<see cref="ExpiredMessage"/>), or states no expiry.</exception>
    public static async Task RunStreamAsync(Caller caller, TimeProvider clock, Func<CancellationToken, Task> stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(stream);
        if (caller.ExpiresAt is not { } expiresAt)
        {
            // Bearer validation requires an expiry, so only another scheme could get here: an endless stream is not granted.
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the access token states no expiry (claim exp); reconnect with a token that does"));
        }
        if (expiresAt <= clock.GetUtcNow())
        {
            // Accepted within the clock skew allowed at the door, but already past its own expiry: nothing is sent.
            throw Expired();
        }

        using var expired = new CancellationTokenSource();
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expired.Token);
        var alarm = new Alarm(expiresAt, clock, expired);
        // Disposed before the sources above, and asynchronously: that waits out a callback under way, which may still cancel.
        await using var timer = clock.CreateTimer(static state => ((Alarm)state!).Check(), alarm, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        alarm.Arm(timer);
        try
        {
            await stream(ending.Token);
        }
        catch (OperationCanceledException) when (expired.IsCancellationRequested)
        {
            throw Expired();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away or its deadline passed: the ordinary end of a stream.
        }
    }

    private static RpcException Expired() => new(new Status(StatusCode.Unauthenticated, ExpiredMessage));

    /// <summary>Cancels at the expiry, on the service's clock, re-arming when the expiry is further off than a timer waits.</summary>
    private sealed class Alarm(DateTimeOffset expiresAt, TimeProvider clock, CancellationTokenSource expired)
    {
        private ITimer? _timer;

        public void Arm(ITimer timer)
        {
            _timer = timer;
            Check();
        }

        public void Check()
        {
            var remaining = expiresAt - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                expired.Cancel();
                return;
            }
            _timer?.Change(remaining < LongestWait ? remaining : LongestWait, Timeout.InfiniteTimeSpan);
        }
    }
}
