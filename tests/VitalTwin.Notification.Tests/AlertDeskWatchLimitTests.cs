using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Desk;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>Notification with room for two alert watches (<c>AlertDesk:MaxWatches</c>).</summary>
public sealed class TwoWatchNotification() : SecuredNotification(new Dictionary<string, string?> { ["AlertDesk:MaxWatches"] = "2" });

/// <summary>
/// WatchAlerts streams are capped, as WatchTwins streams are, over real gRPC against a running Notification: one
/// more than <c>AlertDesk:MaxWatches</c> is refused with RESOURCE_EXHAUSTED, and a stream that ends gives its place back.
/// </summary>
public sealed class AlertDeskWatchLimitTests(TwoWatchNotification service) : IClassFixture<TwoWatchNotification>
{
    [Fact]
    public async Task A_watch_beyond_the_limit_is_refused_until_an_open_one_ends()
    {
        var desk = service.Desk(service.Token($"nurse-{Guid.NewGuid():N}", [Roles.Clinician], WardA));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var firstEnds = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        using var first = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: firstEnds.Token);
        using var second = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        // Each has sent an alert, so each holds its place on the server.
        Assert.True(await first.ResponseStream.MoveNext(deadline.Token));
        Assert.True(await second.ResponseStream.MoveNext(deadline.Token));

        using var third = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(deadline.Token));
        await firstEnds.CancelAsync();
        // The server sees the cancellation a moment later: its place is back once one stream is left.
        var watches = service.Services.GetRequiredService<AlertWatches>();
        await WaitUntilAsync(() => watches.Open == 1);
        using var fourth = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.True(await fourth.ResponseStream.MoveNext(deadline.Token));
    }
}
