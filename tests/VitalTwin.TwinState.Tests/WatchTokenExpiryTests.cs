using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.TwinState.Tests.SecuredTwinState;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// A twin watch lasts only as long as the token it was opened with, over real gRPC against a running TwinState on
/// the real clock: a short-lived token's stream ends UNAUTHENTICATED at its expiry, a long-lived one's goes on.
/// </summary>
public sealed class WatchTokenExpiryTests(SecuredTwinState service) : IClassFixture<SecuredTwinState>
{
    // Long enough for both watches to open and send their first twin on a busy machine, short enough to wait for.
    private static readonly TimeSpan ShortLife = TimeSpan.FromSeconds(4);

    // How late after the token's expiry the stream may end: timer resolution and a loaded machine, not a design margin.
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_watch_ends_unauthenticated_when_its_token_expires_while_a_watch_with_a_longer_lived_token_goes_on()
    {
        var shortToken = service.Tokens.Mint(Subject("short-lived"), [Roles.Clinician], [WardA], ShortLife);
        var expiresAt = new DateTimeOffset(new JsonWebToken(shortToken).ValidTo, TimeSpan.Zero);
        var shortLived = service.Query(shortToken);
        var longLived = service.Query(service.Token(Subject("long-lived"), [Roles.Clinician], WardA));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var request = new WatchTwinsRequest { PatientIds = { PatientA } };
        using var ending = shortLived.WatchTwins(request, cancellationToken: deadline.Token);
        using var goingOn = longLived.WatchTwins(request, cancellationToken: deadline.Token);
        Assert.True(await ending.ResponseStream.MoveNext(deadline.Token));
        Assert.True(await goingOn.ResponseStream.MoveNext(deadline.Token));

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await ending.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });
        var endedAt = DateTimeOffset.UtcNow;
        await service.PublishHeartRateAsync(PatientA, 88.5, sequence: 2, endedAt);
        TwinChanged update;
        do
        {
            Assert.True(await goingOn.ResponseStream.MoveNext(deadline.Token));
            update = goingOn.ResponseStream.Current;
        }
        while (update.Twin.ReadingsApplied < 2);

        Assert.Equal((StatusCode.Unauthenticated, TokenExpiry.ExpiredMessage), (ended.StatusCode, ended.Status.Detail));
        Assert.InRange(endedAt, expiresAt, expiresAt + Lateness);
        Assert.Equal((PatientA, TwinChangeReason.Updated), (update.Twin.PatientId, update.Reason));
    }

    [Fact]
    public async Task A_watch_opened_with_a_token_past_its_expiry_but_within_the_allowed_clock_skew_sends_nothing()
    {
        var subject = Subject("just-expired");
        // Ten seconds past its expiry: the bearer check lets it in (30 s of clock skew), the watch must not.
        var token = service.Tokens.Mint(subject, [Roles.Clinician], [WardA], TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddSeconds(-70));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = service.Query(token).WatchTwins(new WatchTwinsRequest { PatientIds = { PatientA } }, cancellationToken: deadline.Token);

        var refused = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(deadline.Token));

        Assert.Equal((StatusCode.Unauthenticated, TokenExpiry.ExpiredMessage), (refused.StatusCode, refused.Status.Detail));
        Assert.Empty(service.Audited(subject));
    }

    private static string Subject(string who) => $"{who}-{Guid.NewGuid():N}";
}
