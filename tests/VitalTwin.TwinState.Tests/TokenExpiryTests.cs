using System.Security.Claims;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// The shared end of every server-streaming call at its token's expiry, on a fake clock: when it cancels the
/// stream, how it tells an expiry from a caller who left, and how a token's <c>exp</c> is read.
/// </summary>
public sealed class TokenExpiryTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(Start);

    [Fact]
    public async Task The_stream_is_cancelled_at_the_tokens_expiry_and_ends_unauthenticated()
    {
        var caller = CallerExpiringAt(Start.AddMinutes(10));
        var stream = new StreamUntilCancelled();

        var running = TokenExpiry.RunStreamAsync(caller, _clock, stream.RunAsync, CancellationToken.None);
        await stream.Started.WaitAsync(Patience);
        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        var stillRunning = !running.IsCompleted;
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var ended = await Assert.ThrowsAsync<RpcException>(() => running.WaitAsync(Patience));

        Assert.True(stillRunning);
        Assert.Equal((StatusCode.Unauthenticated, TokenExpiry.ExpiredMessage), (ended.StatusCode, ended.Status.Detail));
        Assert.True(stream.WasCancelled);
    }

    [Fact]
    public async Task A_token_further_off_than_a_timer_can_wait_still_ends_the_stream_at_its_expiry()
    {
        var caller = CallerExpiringAt(Start.AddDays(100));
        var stream = new StreamUntilCancelled();

        var running = TokenExpiry.RunStreamAsync(caller, _clock, stream.RunAsync, CancellationToken.None);
        await stream.Started.WaitAsync(Patience);
        for (var day = 1; day < 100; day++)
        {
            _clock.Advance(TimeSpan.FromDays(1));
        }
        var stillRunning = !running.IsCompleted;
        _clock.Advance(TimeSpan.FromDays(1));
        var ended = await Assert.ThrowsAsync<RpcException>(() => running.WaitAsync(Patience));

        Assert.True(stillRunning);
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
    }

    [Fact]
    public async Task A_caller_who_goes_away_ends_the_stream_quietly()
    {
        var caller = CallerExpiringAt(Start.AddMinutes(10));
        var stream = new StreamUntilCancelled();
        using var callerLeft = new CancellationTokenSource();

        var running = TokenExpiry.RunStreamAsync(caller, _clock, stream.RunAsync, callerLeft.Token);
        await stream.Started.WaitAsync(Patience);
        await callerLeft.CancelAsync();
        await running.WaitAsync(Patience);

        Assert.True(stream.WasCancelled);
        // Nothing is left to fire: the expiry's timer went with the stream.
        _clock.Advance(TimeSpan.FromMinutes(20));
    }

    [Fact]
    public async Task A_stream_that_fails_on_its_own_fails_with_its_own_error()
    {
        var caller = CallerExpiringAt(Start.AddMinutes(10));

        var failed = await Assert.ThrowsAsync<RpcException>(() => TokenExpiry.RunStreamAsync(
            caller, _clock, _ => throw new RpcException(new Status(StatusCode.Unavailable, "audit down")), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_token_already_at_or_past_its_expiry_runs_no_stream(int secondsFromNow)
    {
        var caller = CallerExpiringAt(Start.AddSeconds(secondsFromNow));
        var ran = false;

        var refused = await Assert.ThrowsAsync<RpcException>(() => TokenExpiry.RunStreamAsync(caller, _clock, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        }, CancellationToken.None));

        Assert.False(ran);
        Assert.Equal((StatusCode.Unauthenticated, TokenExpiry.ExpiredMessage), (refused.StatusCode, refused.Status.Detail));
    }

    [Fact]
    public async Task A_token_without_an_expiry_gets_no_stream()
    {
        var caller = Caller.From(Principal())!;
        var ran = false;

        var refused = await Assert.ThrowsAsync<RpcException>(() => TokenExpiry.RunStreamAsync(caller, _clock, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        }, CancellationToken.None));

        Assert.False(ran);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Theory]
    [InlineData("1772352000", "2026-03-01T08:00:00+00:00")]
    [InlineData("1772352000.25", "2026-03-01T08:00:00.25+00:00")]
    [InlineData("not-a-date", null)]
    [InlineData("-1", null)]
    [InlineData("1e300", null)]
    [InlineData(null, null)]
    public void The_expiry_is_read_from_the_tokens_exp_claim(string? exp, string? expected)
    {
        var caller = Caller.From(exp is null ? Principal() : Principal(new Claim(Caller.ExpiryClaim, exp)))!;

        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), caller.ExpiresAt);
    }

    private static Caller CallerExpiringAt(DateTimeOffset expiresAt) =>
        Caller.From(Principal(new Claim(Caller.ExpiryClaim, expiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture))))!;

    private static ClaimsPrincipal Principal(params Claim[] claims) =>
        new(new ClaimsIdentity([new Claim(Caller.SubjectClaim, "nurse"), new Claim(Caller.RoleClaim, Roles.Clinician), .. claims], "test"));

    /// <summary>A stream that sends nothing and waits to be cancelled, saying when it started and whether it was.</summary>
    private sealed class StreamUntilCancelled
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public bool WasCancelled { get; private set; }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            _started.SetResult();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                WasCancelled = true;
                throw;
            }
        }
    }
}
