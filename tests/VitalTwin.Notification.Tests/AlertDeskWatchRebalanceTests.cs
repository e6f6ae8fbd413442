using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.ServiceDefaults.Security;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// A watch through one of two replicas, over real gRPC and Kafka, when the other replica stops (two replicas of this
/// class's own: one of them stops): it ends with UNAVAILABLE and a retry hint rather than go on without the alerts
/// that moved, and opened again it sends them from their new holder.
/// </summary>
public sealed class AlertDeskWatchRebalanceTests(NotificationReplicas replicas) : IClassFixture<NotificationReplicas>
{
    [Fact]
    public async Task A_watch_ends_unavailable_with_a_retry_hint_when_the_other_replica_stops_and_opened_again_sends_the_alerts_that_moved()
    {
        var moved = await replicas.RaiseAsync(NotificationReplicas.PatientHeldBy(replicas.Second, "alert-patient-moved"), "ward-moved", DateTimeOffset.UtcNow);
        var desk = replicas.Desk(replicas.First, replicas.Tokens.Mint(Subject("paging-integration"), [Roles.Integration]));
        // Less than the host's wait for open calls at shutdown (30 s): the stopping replica ends its watches at once.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: deadline.Token);
        Assert.True(await watch.ResponseStream.MoveNext(deadline.Token));
        var before = watch.ResponseStream.Current;

        await replicas.StopSecondAsync();
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });
        await WaitUntilAsync(() => NotificationReplicas.HoldsEveryPartition(replicas.First), TimeSpan.FromSeconds(60));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var reopened = desk.WatchAlerts(new WatchAlertsRequest(), cancellationToken: patience.Token);
        Assert.True(await reopened.ResponseStream.MoveNext(patience.Token));

        Assert.Equal(moved.AlertId, before.AlertId);
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.NotNull(ended.Trailers.Get("grpc-retry-pushback-ms"));
        Assert.Equal(moved.AlertId, reopened.ResponseStream.Current.AlertId);
    }
}
