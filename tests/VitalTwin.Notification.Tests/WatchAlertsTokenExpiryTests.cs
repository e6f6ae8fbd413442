using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// An alert watch lasts only as long as the token it was opened with, over real gRPC against a running Notification
/// on the real clock: a short-lived token's stream ends UNAUTHENTICATED at its expiry, a long-lived one's goes on.
/// </summary>
public sealed class WatchAlertsTokenExpiryTests(SecuredNotification service) : IClassFixture<SecuredNotification>
{
    // Long enough for both watches to open and send their first alert on a busy machine, short enough to wait for.
    private static readonly TimeSpan ShortLife = TimeSpan.FromSeconds(4);

    // How late after the token's expiry the stream may end: timer resolution and a loaded machine, not a design margin.
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_watch_ends_unauthenticated_when_its_token_expires_while_a_watch_with_a_longer_lived_token_goes_on()
    {
        var shortToken = service.Tokens.Mint(Subject("short-lived"), [Roles.Clinician], [WardA], ShortLife);
        var expiresAt = new DateTimeOffset(new JsonWebToken(shortToken).ValidTo, TimeSpan.Zero);
        var shortLived = service.Desk(shortToken);
        var longLived = service.Desk(service.Token(Subject("long-lived"), [Roles.Clinician], WardA));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var ending = shortLived.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        using var goingOn = longLived.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        Assert.True(await ending.ResponseStream.MoveNext(deadline.Token));
        Assert.True(await goingOn.ResponseStream.MoveNext(deadline.Token));

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await ending.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });
        var endedAt = DateTimeOffset.UtcNow;
        // Respiratory rate: an alert of a kind the seeding raised for nobody, so it can only be this one.
        await service.PublishSpikeAsync(PatientA, VitalValues[4], endedAt, loinc: "9279-1", unit: "/min");
        AlertView raised;
        do
        {
            Assert.True(await goingOn.ResponseStream.MoveNext(deadline.Token));
            raised = goingOn.ResponseStream.Current;
        }
        while (raised.Raised.Key.Code?.Loinc != "9279-1");

        Assert.Equal((StatusCode.Unauthenticated, TokenExpiry.ExpiredMessage), (ended.StatusCode, ended.Status.Detail));
        Assert.InRange(endedAt, expiresAt, expiresAt + Lateness);
        Assert.Equal((PatientA, AlertCondition.VitalSpike), (raised.PatientId, raised.Raised.Condition));
    }

    [Fact]
    public async Task A_hospital_systems_watch_ends_at_its_tokens_expiry_too()
    {
        var token = service.Tokens.Mint(Subject("hospital-system"), [Roles.Integration], lifetime: ShortLife);
        var expiresAt = new DateTimeOffset(new JsonWebToken(token).ValidTo, TimeSpan.Zero);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = service.Desk(token).WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });

        Assert.Equal((StatusCode.Unauthenticated, TokenExpiry.ExpiredMessage), (ended.StatusCode, ended.Status.Detail));
        Assert.InRange(DateTimeOffset.UtcNow, expiresAt, expiresAt + Lateness);
    }
}
